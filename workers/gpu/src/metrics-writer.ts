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
    const batch = this.buffer;
    if (batch.length === 0) return this.writing;
    this.buffer = [];
    this.writing = this.writing.then(() => insertMetricPoints(this.db, batch)).catch((err: Error) => this.o.onError(err));
    return this.writing;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
