/**
 * The fixed split of every name resource into two halves: detectors learn from the "detector"
 * half only; the out-of-distribution benchmark draws its names from the other half, so it grades
 * the detectors on names they have never seen (issue: "split each resource in two").
 * FNV-1a over the lower-cased Latin form: stable across runs, versions and locales (a name listed
 * by two locales lands in the same half).
 */
export function isInDetectorHalf(name: string): boolean {
  return (fnv1a(name) & 1) === 0;
}

/**
 * Development split, inside the detector half only: with REDACTION_DEV_HOLDOUT=1 in the
 * environment, the names of the detector half whose hash has bit 1 set are left out of the
 * resources (lists and name model), so that `bench/redaction/devPerson.ts` can measure rules on
 * names the detector has not seen without touching the benchmark's held-out half. Off by default;
 * never set in production.
 */
export function isInDevHoldout(name: string): boolean {
  const hash = fnv1a(name);
  return (hash & 1) === 0 && (hash & 2) !== 0;
}

export const DEV_HOLDOUT_ACTIVE = typeof process !== 'undefined' && process.env?.REDACTION_DEV_HOLDOUT === '1';

function fnv1a(name: string): number {
  let hash = 0x811c9dc5;
  const key = name.toLowerCase();
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}
