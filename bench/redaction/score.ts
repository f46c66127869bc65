/**
 * Precision/recall by entity type with character-overlap matching:
 *  - a gold span is recalled when predictions of the same type cover at least half its characters;
 *  - a prediction is correct when at least half its characters lie in gold spans of its type.
 * Half-coverage tolerates boundary conventions (a phone's "x123" extension, "Dr." in a name)
 * without crediting a detector for touching one character.
 */
import type { GoldType } from './corpus';

export interface Span {
  start: number;
  end: number;
  type: string;
}

export interface TypeScore {
  gold: number;
  recalled: number;
  predicted: number;
  correct: number;
}

export type Scoreboard = Map<string, TypeScore>;

export function emptyScoreboard(): Scoreboard {
  return new Map();
}

function entry(board: Scoreboard, type: string): TypeScore {
  let score = board.get(type);
  if (!score) board.set(type, (score = { gold: 0, recalled: 0, predicted: 0, correct: 0 }));
  return score;
}

function covered(span: Span, others: Span[]): number {
  let chars = 0;
  for (const other of others) {
    if (other.type !== span.type) continue;
    chars += Math.max(0, Math.min(span.end, other.end) - Math.max(span.start, other.start));
  }
  return chars;
}

export function scoreField(board: Scoreboard, gold: Span[], predicted: Span[]): void {
  for (const g of gold) {
    const score = entry(board, g.type);
    score.gold++;
    if (covered(g, predicted) * 2 >= g.end - g.start) score.recalled++;
  }
  for (const p of predicted) {
    const score = entry(board, p.type);
    score.predicted++;
    if (covered(p, gold) * 2 >= p.end - p.start) score.correct++;
  }
}

export function precision(score: TypeScore | undefined): number | null {
  return score && score.predicted > 0 ? score.correct / score.predicted : null;
}

export function recall(score: TypeScore | undefined): number | null {
  return score && score.gold > 0 ? score.recalled / score.gold : null;
}

export const PATTERN_TYPES: GoldType[] = ['EMAIL', 'PHONE', 'CREDIT_CARD', 'US_SSN', 'IBAN', 'IP_ADDRESS', 'URL_CREDENTIALS', 'SECRET', 'STREET_ADDRESS', 'DATE_OF_BIRTH'];
