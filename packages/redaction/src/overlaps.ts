import type { Finding } from './types';

/**
 * Keeps a non-overlapping subset of findings, deterministically: higher confidence wins, then the
 * longer span, then the earlier start, then the detector name (so equal inputs give equal outputs
 * whatever order detectors ran in). Returns findings sorted by start.
 */
export function resolveOverlaps(findings: readonly Finding[]): Finding[] {
  if (findings.length <= 1) return findings.slice();
  const ranked = findings.slice().sort(
    (a, b) =>
      b.confidence - a.confidence ||
      b.end - b.start - (a.end - a.start) ||
      a.start - b.start ||
      (a.detector < b.detector ? -1 : a.detector > b.detector ? 1 : 0),
  );
  const kept: Finding[] = []; // sorted by start, pairwise disjoint
  for (const candidate of ranked) {
    if (candidate.end <= candidate.start) continue;
    const index = firstEndingAfter(kept, candidate.start);
    if (index < kept.length && kept[index].start < candidate.end) continue; // overlaps a kept one
    kept.splice(index, 0, candidate);
  }
  return kept;
}

/** Index of the first kept finding whose end is after `position` (binary search; ends are sorted too). */
function firstEndingAfter(kept: readonly Finding[], position: number): number {
  let low = 0;
  let high = kept.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (kept[mid].end <= position) low = mid + 1;
    else high = mid;
  }
  return low;
}
