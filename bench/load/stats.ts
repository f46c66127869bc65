/** Small statistics helpers for the load benchmark (no dependencies; unit-tested in bench/load/stats.test.ts). */

/**
 * The p-th percentile (0 ≤ p ≤ 100) of `values` by the nearest-rank method: the smallest value
 * with at least p % of the values at or below it. NaN for no values.
 */
export function percentile(values: readonly number[], p: number): number {
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be in [0, 100], got ${p}`);
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

export interface Summary {
  count: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export function summarize(values: readonly number[]): Summary {
  const count = values.length;
  return {
    count,
    mean: count ? values.reduce((s, v) => s + v, 0) / count : Number.NaN,
    p50: percentile(values, 50),
    p95: percentile(values, 95),
    p99: percentile(values, 99),
    max: count ? Math.max(...values) : Number.NaN,
  };
}

/** A number rounded to `digits` decimals for the JSON (NaN and infinities become null). */
export const round = (x: number, digits = 3): number | null => (Number.isFinite(x) ? Number(x.toFixed(digits)) : null);

/** Every number in a Summary rounded (JSON-friendly). */
export const roundSummary = (s: Summary, digits = 3) =>
  Object.fromEntries(Object.entries(s).map(([k, v]) => [k, k === 'count' ? v : round(v, digits)])) as Record<keyof Summary, number | null>;

/** A Markdown table from a header row and rows of cells. */
export function table(header: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map((_, i) => (i === 0 ? '---' : '---:'))), ...rows.map(line)].join('\n');
}

/** `x` with `digits` decimals, or "n/a". */
export const fmt = (x: number | null | undefined, digits = 2): string => (x == null || !Number.isFinite(x) ? 'n/a' : x.toFixed(digits));
