import type { MetricPoint } from '@refinery/core';
import { duration } from '../format';

/**
 * Training progress for `--follow`: a redrawn bar on a terminal, a line every 10% otherwise,
 * or JSON events with --json.
 */
export class TrainingProgress {
  private lastStep = 0;
  private lastPrintedDecile = -1;
  private drawn = false;

  constructor(private readonly json: boolean, private readonly tty = Boolean(process.stdout.isTTY)) {}

  get afterStep(): number {
    return this.lastStep;
  }

  update(points: MetricPoint[]): void {
    const train = points.filter((p) => p.kind === 'train');
    const latest = train.at(-1);
    if (!latest) return;
    this.lastStep = latest.step;
    const total = latest.totalSteps ?? latest.step;
    const evalLoss = points.filter((p) => p.kind === 'eval').at(-1)?.loss ?? null;
    if (this.json) {
      const { tokensPerSecond, paddingFraction, rewardAccuracy, rewardMargin } = latest;
      console.log(JSON.stringify({ event: 'progress', step: latest.step, totalSteps: total, loss: latest.loss, evalLoss, etaSeconds: latest.etaSeconds, tokensPerSecond, paddingFraction, rewardAccuracy, rewardMargin }));
      return;
    }
    const line = render(latest.step, total, latest.loss, evalLoss, latest.etaSeconds, latest);
    if (this.tty) {
      process.stdout.write(`\r\x1b[K${line}`);
      this.drawn = true;
    } else {
      const decile = Math.floor((latest.step / total) * 10);
      if (decile !== this.lastPrintedDecile) {
        this.lastPrintedDecile = decile;
        console.log(line);
      }
    }
  }

  /** Ends the redrawn line before other output. */
  finish(): void {
    if (this.drawn) process.stdout.write('\n');
    this.drawn = false;
  }
}

/** The latest step's throughput, padding (SFT) and rewards (DPO), printed where the trainer reported them. */
type StepExtras = Partial<Pick<MetricPoint, 'tokensPerSecond' | 'paddingFraction' | 'rewardAccuracy' | 'rewardMargin'>>;

export function render(step: number, total: number, loss: number | null, evalLoss: number | null, etaSeconds: number | null, extras: StepExtras = {}): string {
  const width = 24;
  const filled = Math.round((Math.min(step, total) / Math.max(total, 1)) * width);
  const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
  const parts = [`  train ${bar} ${step}/${total}`, `loss ${loss?.toFixed(4) ?? '-'}`];
  if (evalLoss !== null) parts.push(`eval ${evalLoss.toFixed(4)}`);
  if (extras.rewardAccuracy != null) parts.push(`reward acc ${extras.rewardAccuracy.toFixed(3)}`);
  if (extras.rewardMargin != null) parts.push(`margin ${extras.rewardMargin.toFixed(3)}`);
  if (extras.tokensPerSecond != null) parts.push(`${Math.round(extras.tokensPerSecond)} tok/s`);
  if (extras.paddingFraction != null) parts.push(`pad ${(extras.paddingFraction * 100).toFixed(1)}%`);
  parts.push(`ETA ${etaSeconds === null ? '-' : duration(Math.round(etaSeconds * 1000))}`);
  return parts.join('  ');
}
