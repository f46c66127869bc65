import { z } from 'zod';

/**
 * The `approval:` section: a person (or two) other than the submitter approves or rejects the
 * run, with the evaluation and gate results in front of them, before anything is promoted.
 * Workflow- and browser-safe (zod only).
 */
const DURATION = /^([1-9]\d{0,6})(s|m|h|d)$/;
const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const MAX_WAIT_MS = 90 * UNIT_MS.d;

/** "90s", "30m", "72h", "7d" → milliseconds. */
export function durationMs(text: string): number {
  const m = DURATION.exec(text);
  if (!m) throw new Error(`not a duration: ${JSON.stringify(text)} (use e.g. "30m", "72h", "7d")`);
  return Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
}

export const ApprovalSpec = z
  .object({
    required: z
      .union([z.literal(1), z.literal(2)])
      .default(1)
      .describe('approvals needed, each from a different reviewer who did not submit the run; one rejection ends the run'),
    timeout: z
      .string()
      .regex(DURATION, 'use a number and a unit: "90s", "30m", "72h" or "7d"')
      // zod runs this after a failed regex too: only judge durations it can read.
      .refine((t) => !DURATION.test(t) || durationMs(t) <= MAX_WAIT_MS, 'at most 90 days')
      .default('7d')
      .describe('how long the run waits for the decision; then it ends `expired`, not promoted'),
  })
  .strict();
export type ApprovalSpec = z.infer<typeof ApprovalSpec>;
