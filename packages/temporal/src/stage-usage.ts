/**
 * Per-attempt resource measurement for the stage-attempt interceptor (docs/operations.md, Cost
 * accounting): a CPU meter for pipeline stages, and the slot GPU stages report their trainer's
 * own CPU time into.
 */

/**
 * Splits this process's CPU time (process.cpuUsage: every thread — activities, workflow threads,
 * the Temporal SDK's Core) between the stage attempts running in it: each sample's delta goes in
 * equal shares to the attempts running at that moment. Exact when one attempt runs at a time;
 * with several, a CPU-heavy attempt beside an idle one is under-counted and the idle one
 * over-counted, but the shares add up to what the process used while they ran.
 */
export class CpuShareMeter {
  private last = process.cpuUsage();
  private readonly running = new Set<{ seconds: number }>();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly intervalMs = 250) {}

  /** Starts metering one attempt; the returned function ends it and gives its CPU-seconds. */
  start(): () => number {
    this.sample();
    const share = { seconds: 0 };
    this.running.add(share);
    this.timer ??= setInterval(() => this.sample(), this.intervalMs).unref();
    return () => {
      this.sample();
      this.running.delete(share);
      if (this.running.size === 0 && this.timer) {
        clearInterval(this.timer);
        this.timer = null;
      }
      return share.seconds;
    };
  }

  private sample(): void {
    const now = process.cpuUsage();
    const seconds = (now.user - this.last.user + now.system - this.last.system) / 1e6;
    this.last = now;
    for (const share of this.running) share.seconds += seconds / this.running.size;
  }
}

/** What a GPU stage attempt's trainer job reports about its trainer process. */
interface TrainerUsage {
  started: boolean;
  /** getrusage of the trainer (and its waited-for children) at exit; null until it reports. */
  cpuSeconds: number | null;
}

const trainerUsage = new WeakMap<object, TrainerUsage>();

/** The GPU job runner: a trainer process was started in the activity whose context is `ctx`. */
export function noteTrainerStarted(ctx: object): void {
  const u = trainerUsage.get(ctx) ?? { started: false, cpuSeconds: null };
  u.started = true;
  trainerUsage.set(ctx, u);
}

/** The GPU job runner: the trainer reported its CPU time at exit (its `usage` event). */
export function reportTrainerCpu(ctx: object, cpuSeconds: number): void {
  const u = trainerUsage.get(ctx) ?? { started: true, cpuSeconds: null };
  u.cpuSeconds = (u.cpuSeconds ?? 0) + cpuSeconds;
  trainerUsage.set(ctx, u);
}

/**
 * The trainer CPU-seconds of the attempt: 0 when no trainer was started, null when one was and
 * never reported (killed with SIGKILL, or its worker died): unmeasured, not zero.
 */
export function trainerCpuSecondsOf(ctx: object): number | null {
  const u = trainerUsage.get(ctx);
  if (!u?.started) return 0;
  return u.cpuSeconds;
}
