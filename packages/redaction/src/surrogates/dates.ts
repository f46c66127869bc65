/** Parsing and rendering of the date shapes the DATE_OF_BIRTH detector finds, keeping the shape. */
const MONTH_NAMES = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];

export interface DateShape {
  kind: 'iso' | 'numeric' | 'month-first' | 'day-first';
  separator?: string;
  dayFirst?: boolean;
  twoDigitYear?: boolean;
  monthStyle?: 'full' | 'short';
}

export interface CalendarDate {
  year: number;
  month: number; // 1..12
  day: number;
}

/** All readings of a date string (a numeric date like 03/04/1985 has two), with its shape. */
export function parseDate(value: string): Array<{ date: CalendarDate; shape: DateShape }> {
  const trimmed = value.trim();
  let m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(trimmed);
  if (m) return valid([{ date: { year: +m[1], month: +m[2], day: +m[3] }, shape: { kind: 'iso' } }]);
  m = /^(\d{1,2})([/.-])(\d{1,2})\2(\d{2}|\d{4})$/.exec(trimmed);
  if (m) {
    const year = m[4].length === 2 ? 1900 + +m[4] : +m[4];
    const base = { kind: 'numeric' as const, separator: m[2], twoDigitYear: m[4].length === 2 };
    return valid([
      { date: { year, month: +m[1], day: +m[3] }, shape: { ...base, dayFirst: false } },
      { date: { year, month: +m[3], day: +m[1] }, shape: { ...base, dayFirst: true } },
    ]);
  }
  m = /^([A-Za-z]{3,9})\.? (\d{1,2})(?:st|nd|rd|th)?,? (\d{4})$/.exec(trimmed);
  if (m) return valid([{ date: { year: +m[3], month: monthIndex(m[1]), day: +m[2] }, shape: { kind: 'month-first', monthStyle: m[1].length > 3 ? 'full' : 'short' } }]);
  m = /^(\d{1,2})(?:st|nd|rd|th)? (?:of )?([A-Za-z]{3,9})\.?,? (\d{4})$/.exec(trimmed);
  if (m) return valid([{ date: { year: +m[3], month: monthIndex(m[2]), day: +m[1] }, shape: { kind: 'day-first', monthStyle: m[2].length > 3 ? 'full' : 'short' } }]);
  return [];
}

export function renderDate(date: CalendarDate, shape: DateShape): string {
  const dd = String(date.day).padStart(2, '0');
  const mm = String(date.month).padStart(2, '0');
  const monthName = MONTH_NAMES[date.month - 1];
  const month = shape.monthStyle === 'short' ? capitalize(monthName.slice(0, 3)) : capitalize(monthName);
  switch (shape.kind) {
    case 'iso':
      return `${date.year}-${mm}-${dd}`;
    case 'numeric': {
      const year = shape.twoDigitYear ? String(date.year % 100).padStart(2, '0') : String(date.year);
      return shape.dayFirst ? `${dd}${shape.separator}${mm}${shape.separator}${year}` : `${mm}${shape.separator}${dd}${shape.separator}${year}`;
    }
    case 'month-first':
      return `${month} ${date.day}, ${date.year}`;
    case 'day-first':
      return `${date.day} ${month} ${date.year}`;
  }
}

export function isoDate(date: CalendarDate): string {
  return `${date.year}-${String(date.month).padStart(2, '0')}-${String(date.day).padStart(2, '0')}`;
}

function monthIndex(name: string): number {
  const lower = name.toLowerCase();
  return MONTH_NAMES.findIndex((month) => month.startsWith(lower.slice(0, 3))) + 1;
}

function capitalize(word: string): string {
  return word[0].toUpperCase() + word.slice(1);
}

function valid<T extends { date: CalendarDate }>(readings: T[]): T[] {
  return readings.filter(({ date }) => date.month >= 1 && date.month <= 12 && date.day >= 1 && date.day <= daysIn(date.year, date.month));
}

export function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}
