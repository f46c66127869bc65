import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import type { SpecIssue } from '@refinery/core';

export interface PlacedIssue extends SpecIssue {
  /** 1-based line in the editor text, or null when the issue has no place (e.g. "(root)"). */
  line: number | null;
  /** A YAML syntax error rather than a schema issue. */
  syntax: boolean;
}

const SYNTAX_POSITION = /^line (\d+), column \d+$/;
const UNKNOWN_FIELDS = /^unknown field\(s\): ([^,\s]+)/;

/** "training.lora[0].r" → ["training", "lora", 0, "r"]; "(root)" → []. */
export function splitIssuePath(path: string): (string | number)[] {
  if (path === '(root)' || path === '(document)' || path === '') return [];
  const segments: (string | number)[] = [];
  for (const part of path.split('.')) {
    const m = /^([^[]*)((?:\[\d+\])*)$/.exec(part);
    if (!m) {
      segments.push(part);
      continue;
    }
    if (m[1]) segments.push(m[1]);
    for (const idx of m[2]!.matchAll(/\[(\d+)\]/g)) segments.push(Number(idx[1]));
  }
  return segments;
}

/**
 * Finds the editor line each validation issue belongs to. Syntax errors carry their line;
 * schema issues carry a field path, which is looked up in the YAML document's node ranges.
 * A missing field points at its nearest existing parent; an unknown field at its own key.
 */
export function placeIssues(text: string, issues: SpecIssue[]): PlacedIssue[] {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  const lineOf = (offset: number) => lineCounter.linePos(offset).line;
  const placed = issues.map((issue): PlacedIssue => {
    const syntax = SYNTAX_POSITION.exec(issue.path);
    // The parser repeats the position at the end of its message; the editor already shows it.
    if (syntax) return { ...issue, message: issue.message.replace(/ at line \d+, column \d+:?$/, ''), line: Number(syntax[1]), syntax: true };
    const path = splitIssuePath(issue.path);
    const unknown = UNKNOWN_FIELDS.exec(issue.message);
    if (unknown) path.push(unknown[1]!);
    const offset = doc.errors.length ? null : offsetOfPath(doc.contents as Node | null, path);
    return { ...issue, line: offset === null ? null : lineOf(offset), syntax: false };
  });
  return placed.sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity));
}

/** Start offset of the deepest key (or item) along `path` that exists in the document. */
function offsetOfPath(root: Node | null, path: (string | number)[]): number | null {
  let node: unknown = root;
  let best: number | null = null;
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment));
      if (!pair) break;
      const key = pair.key as Node;
      best = key.range?.[0] ?? best;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment] as Node | undefined;
      if (!item) break;
      best = item.range?.[0] ?? best;
      node = item;
    } else break;
  }
  return best;
}
