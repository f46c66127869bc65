/** Small character predicates shared by detectors (char codes, no regex: they run per character). */

export function isDigitCode(c: number): boolean {
  return c >= 48 && c <= 57;
}

export function isAsciiLetterCode(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

export function isAsciiAlnumCode(c: number): boolean {
  return isDigitCode(c) || isAsciiLetterCode(c);
}

/** True when the character at `index` is a letter or digit in any script (out of range → false). */
export function isWordCharAt(text: string, index: number): boolean {
  if (index < 0 || index >= text.length) return false;
  const c = text.charCodeAt(index);
  if (c < 128) return isAsciiAlnumCode(c) || c === 95;
  return /[\p{L}\p{N}]/u.test(text[index]);
}

/** Up to `length` characters before `index`, lower-cased, for context-word checks. */
export function textBefore(text: string, index: number, length: number): string {
  return text.slice(Math.max(0, index - length), index).toLowerCase();
}

export function textAfter(text: string, index: number, length: number): string {
  return text.slice(index, index + length).toLowerCase();
}

export function digitsOf(value: string): string {
  let digits = '';
  for (let i = 0; i < value.length; i++) if (isDigitCode(value.charCodeAt(i))) digits += value[i];
  return digits;
}

export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/**
 * True when the digit run starting at `start` continues a printed IBAN ("GB29 NWBK 6016 1331 ..."):
 * walks back over up to 8 space-separated 4-character groups to a country+check-digit group.
 * Phone and card detectors use it so that IBAN digit groups are not read as phones or cards.
 */
export function continuesIbanGroups(text: string, start: number): boolean {
  let end = start - 1;
  for (let groups = 0; groups < 9 && text[end] === ' '; groups++) {
    const groupStart = Math.max(0, end - 4);
    const group = text.slice(groupStart, end);
    if (/^[A-Z]{2}\d{2}$/.test(group) && !isWordCharAt(text, groupStart - 1)) return true;
    if (!/^[A-Z0-9]{4}$/.test(group)) return false;
    end = groupStart - 1;
  }
  return false;
}
