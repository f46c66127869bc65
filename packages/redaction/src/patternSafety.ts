import { UnsafePatternError } from './errors';

/**
 * Static check that a regular expression cannot backtrack catastrophically in V8's engine.
 *
 * Why a checker and not RE2: RE2 for Node is either a native addon (a prebuilt binary download or
 * a C++ toolchain at install time — both fail on air-gapped hosts) or an unmaintained WASM build.
 * Restricting patterns to a linear-time subset keeps the package dependency-free and lets the
 * same rules vouch for our built-in patterns (see test/patternSafety.test.ts).
 *
 * Accepted patterns run in O(n · B) where B is the product of the ranges of the variable
 * quantifiers (bounded below). The rules:
 *  - no backreferences (\1, \k<name>) and no lookaround ((?=, (?!, (?<=, (?<!);
 *  - every quantifier is bounded: `*`, `+` and `{n,}` are rejected, maxima are at most 1000;
 *  - no repeated group that itself contains a quantifier or an alternation (nested quantifiers
 *    and `(a|a)*`-style ambiguity are what make backtracking exponential); `?` on a group is fine;
 *  - the product of (max - min + 1) over the variable quantifiers of a match path (the costliest
 *    alternative of each alternation) is at most 100 000.
 */
export const MAX_QUANTIFIER_BOUND = 1000;
export const MAX_BACKTRACKING_BUDGET = 100_000;

interface GroupState {
  hasQuantifier: boolean;
  hasAlternation: boolean;
  /** Backtracking budget of the branch being parsed, and the largest of the finished branches. */
  branchBudget: number;
  maxBranchBudget: number;
}

function newGroup(): GroupState {
  return { hasQuantifier: false, hasAlternation: false, branchBudget: 1, maxBranchBudget: 1 };
}

interface Quantifier {
  min: number;
  max: number; // Infinity when unbounded
  length: number; // characters consumed in the source
}

export function findPatternProblems(source: string): string[] {
  const problems: string[] = [];
  const stack: GroupState[] = [newGroup()];
  // State of the atom just parsed: undefined (nothing quantifiable) or the group it closed.
  let lastAtom: { group?: GroupState } | undefined;

  for (let i = 0; i < source.length; ) {
    const c = source[i];
    if (c === '\\') {
      const next = source[i + 1] ?? '';
      if (/[1-9]/.test(next) || next === 'k') problems.push('backreferences are not allowed');
      i += next === 'u' && source[i + 2] === '{' ? source.indexOf('}', i) + 1 - i || 2 : 2;
      lastAtom = {};
      continue;
    }
    if (c === '[') {
      i = skipCharacterClass(source, i);
      lastAtom = {};
      continue;
    }
    if (c === '(') {
      if (source.startsWith('(?=', i) || source.startsWith('(?!', i) || source.startsWith('(?<=', i) || source.startsWith('(?<!', i)) {
        problems.push('lookahead and lookbehind are not allowed');
      }
      stack.push(newGroup());
      i += groupPrefixLength(source, i);
      lastAtom = undefined;
      continue;
    }
    if (c === ')') {
      const closed = stack.length > 1 ? stack.pop()! : undefined;
      if (!closed) problems.push('unbalanced parenthesis');
      const parent = stack[stack.length - 1];
      if (closed?.hasQuantifier) parent.hasQuantifier = true;
      // Alternatives are tried one after another: a group costs its most expensive branch.
      if (closed) parent.branchBudget *= Math.max(closed.maxBranchBudget, closed.branchBudget);
      i += 1;
      lastAtom = closed ? { group: closed } : {};
      continue;
    }
    if (c === '|') {
      const group = stack[stack.length - 1];
      group.hasAlternation = true;
      group.maxBranchBudget = Math.max(group.maxBranchBudget, group.branchBudget);
      group.branchBudget = 1;
      i += 1;
      lastAtom = undefined;
      continue;
    }
    const quantifier = readQuantifier(source, i);
    if (quantifier) {
      if (!lastAtom) problems.push('quantifier without something to repeat');
      if (quantifier.max === Infinity) {
        problems.push(`unbounded repetition "${source.slice(i, i + quantifier.length)}" is not allowed; use a bounded one such as {1,64}`);
      } else if (quantifier.max > MAX_QUANTIFIER_BOUND) {
        problems.push(`repetition bound ${quantifier.max} is above ${MAX_QUANTIFIER_BOUND}`);
      }
      const repeats = quantifier.max > 1;
      if (repeats && lastAtom?.group?.hasQuantifier) problems.push('nested quantifiers (a repeated group containing a quantifier) are not allowed');
      if (repeats && lastAtom?.group?.hasAlternation) problems.push('a repeated group may not contain alternation (|)');
      if (quantifier.max !== quantifier.min && Number.isFinite(quantifier.max)) {
        stack[stack.length - 1].branchBudget *= quantifier.max - quantifier.min + 1;
      }
      stack[stack.length - 1].hasQuantifier = true;
      i += quantifier.length;
      if (source[i] === '?') i += 1; // lazy modifier changes order, not cost
      lastAtom = undefined;
      continue;
    }
    i += 1;
    lastAtom = {};
  }
  if (stack.length > 1) problems.push('unbalanced parenthesis');
  const budget = Math.max(stack[0].maxBranchBudget, stack[0].branchBudget);
  if (budget > MAX_BACKTRACKING_BUDGET) {
    problems.push(`too many variable repetitions (worst-case backtracking ${budget} > ${MAX_BACKTRACKING_BUDGET} steps per position)`);
  }
  return [...new Set(problems)];
}

/** Compiles a user pattern after checking it is linear-time; throws UnsafePatternError otherwise. */
export function compileSafePattern(source: string): RegExp {
  let regex: RegExp;
  try {
    regex = new RegExp(source, 'gu');
  } catch (error) {
    throw new UnsafePatternError(source, `not a valid regular expression (${(error as Error).message})`);
  }
  const problems = findPatternProblems(source);
  if (problems.length > 0) throw new UnsafePatternError(source, problems.join('; '));
  if (regex.test('')) throw new UnsafePatternError(source, 'it matches the empty string');
  regex.lastIndex = 0;
  return regex;
}

function skipCharacterClass(source: string, start: number): number {
  let i = start + 1;
  if (source[i] === '^') i++;
  if (source[i] === ']') i++;
  while (i < source.length && source[i] !== ']') i += source[i] === '\\' ? 2 : 1;
  return i + 1;
}

function groupPrefixLength(source: string, i: number): number {
  if (source[i + 1] !== '?') return 1;
  if (source[i + 2] === ':' || source[i + 2] === '=' || source[i + 2] === '!') return 3;
  if (source[i + 2] === '<' && (source[i + 3] === '=' || source[i + 3] === '!')) return 4;
  if (source[i + 2] === '<') return source.indexOf('>', i) + 1 - i; // named group
  return 2;
}

function readQuantifier(source: string, i: number): Quantifier | undefined {
  const c = source[i];
  if (c === '*') return { min: 0, max: Infinity, length: 1 };
  if (c === '+') return { min: 1, max: Infinity, length: 1 };
  if (c === '?') return { min: 0, max: 1, length: 1 };
  if (c !== '{') return undefined;
  const match = /^\{(\d{1,6})(,(\d{0,6}))?\}/.exec(source.slice(i, i + 16));
  if (!match) return undefined;
  const min = Number(match[1]);
  const max = match[2] === undefined ? min : match[3] === '' ? Infinity : Number(match[3]);
  return { min, max, length: match[0].length };
}
