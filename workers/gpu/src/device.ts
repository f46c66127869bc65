import { execFileSync } from 'node:child_process';

/**
 * How many CUDA GPUs this host has, asked of torch in the trainer's venv (the same runtime
 * that will train). 0 means CPU training.
 */
export function detectGpuCount(python: string): number {
  try {
    const out = execFileSync(python, ['-c', 'import torch; print(torch.cuda.device_count() if torch.cuda.is_available() else 0)'], {
      encoding: 'utf8',
      timeout: 120_000,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return Number(out.trim()) || 0;
  } catch {
    return 0;
  }
}
