/**
 * The fixed split of every name resource into two halves: detectors learn from the "detector"
 * half only; the out-of-distribution benchmark draws its names from the other half, so it grades
 * the detectors on names they have never seen (issue: "split each resource in two").
 * FNV-1a over the lower-cased Latin form: stable across runs, versions and locales (a name listed
 * by two locales lands in the same half).
 */
export function isInDetectorHalf(name: string): boolean {
  let hash = 0x811c9dc5;
  const key = name.toLowerCase();
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return (hash & 1) === 0;
}
