import { insertMetricPoints, type Db, type MetricPointInput } from '@refinery/db';

/**
 * Buffers training points and writes them in batches (every `intervalMs` or `maxBatch`
 * points), so a fast trainer does not turn each step into a database round trip.
 */
export class MetricsWriter {
  private buffer: MetricPointInput[] = [];
  private timer: NodeJS.Timeout;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Db,
    private readonly o: { intervalMs?: number; maxBatch?: number; onError: (err: Error) => void },
  ) {
    this.timer = setInterval(() => void this.flush(), o.intervalMs ?? 1000);
  }

  add(point: MetricPointInput): void {
    this.buffer.push(point);
    if (this.buffer.length >= (this.o.maxBatch ?? 100)) void this.flush();
  }

  flush(): Promise<void> {
    // One point per (kind, step), the latest: a single upsert may not touch a row twice.
    const batch = [...new Map(this.buffer.map((p) => [`${p.kind}:${p.step}`, p])).values()];
    if (batch.length === 0) return this.writing;
    this.buffer = [];
    this.writing = this.writing
      .then(() => insertMetricPoints(this.db, batch))
      .catch((err: Error) => {
        // Postgres away (a restart): keep the points for the next flush (the insert is an upsert,
        // so a batch that did land is not doubled), instead of leaving a gap in the loss curve.
        this.buffer = [...batch, ...this.buffer];
        this.o.onError(err);
      });
    return this.writing;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
