/**
 * Lenient date parsing for CDate and the date functions: the ISO 8601 shapes Workday and
 * SuccessFactors send ("2021-06-30+08:00", "2009-06-15T01:45:30-07:00") and Entra's own
 * M/d/yyyy h:mm:ss tt output. No offset means UTC; the host time zone never matters.
 */

const ISO_DATE =
  /^(\d{4})-(\d{1,2})-(\d{1,2})(?:(?:T|\s+)(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,7}))?)?)?\s*(Z|[+-]\d{1,2}(?::?\d{2})?)?$/i;
const US_DATE =
  /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?\s*([AP]M)?)?\s*(Z|[+-]\d{1,2}(?::?\d{2})?)?$/i;

const MS_PER_MINUTE = 60_000;

/** Epoch milliseconds, or undefined when the text is not a date this parser knows. */
export function parseLenientDateTime(text: string): number | undefined {
  const trimmed = text.trim();
  let match = ISO_DATE.exec(trimmed);
  if (match) {
    const [, year, month, day, hour, minute, second, fraction, offset] = match;
    return build(Number(year), Number(month), Number(day), hour, minute, second, fraction, undefined, offset);
  }
  match = US_DATE.exec(trimmed);
  if (match) {
    const [, month, day, year, hour, minute, second, fraction, meridiem, offset] = match;
    return build(Number(year), Number(month), Number(day), hour, minute, second, fraction, meridiem, offset);
  }
  return undefined;
}

function build(
  year: number,
  month: number,
  day: number,
  hourText: string | undefined,
  minuteText: string | undefined,
  secondText: string | undefined,
  fraction: string | undefined,
  meridiem: string | undefined,
  offset: string | undefined,
): number | undefined {
  let hour = hourText === undefined ? 0 : Number(hourText);
  if (meridiem !== undefined) {
    if (hour < 1 || hour > 12) return undefined;
    hour = (hour % 12) + (meridiem.toUpperCase() === 'PM' ? 12 : 0);
  }
  const local = utcFromParts(
    year,
    month,
    day,
    hour,
    minuteText === undefined ? 0 : Number(minuteText),
    secondText === undefined ? 0 : Number(secondText),
    fraction === undefined ? 0 : fractionToMs(fraction),
  );
  if (local === undefined) return undefined;
  const offsetMinutes = offset === undefined ? 0 : parseOffsetMinutes(offset);
  return offsetMinutes === undefined ? undefined : local - offsetMinutes * MS_PER_MINUTE;
}

/** "Z", "+08:00", "-0700", "+8" → minutes east of UTC. */
export function parseOffsetMinutes(text: string): number | undefined {
  if (text === 'Z' || text === 'z') return 0;
  const match = /^([+-])(\d{1,2})(?::?(\d{2}))?$/.exec(text);
  if (!match) return undefined;
  const hours = Number(match[2]);
  const minutes = match[3] === undefined ? 0 : Number(match[3]);
  if (hours > 14 || minutes > 59) return undefined;
  return (match[1] === '-' ? -1 : 1) * (hours * 60 + minutes);
}

/** Digits after the decimal point → milliseconds (sub-millisecond digits are dropped). */
export function fractionToMs(digits: string): number {
  return Number(digits.slice(0, 3).padEnd(3, '0'));
}

export function daysInMonth(year: number, month: number): number {
  return new Date(utcMs(year, month, 0)).getUTCDate();
}

/** Validated calendar parts → epoch ms; undefined for 2021-02-30 or 25:00. */
export function utcFromParts(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  millisecond: number,
): number | undefined {
  if (year < 1 || year > 9999 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  return utcMs(year, month - 1, day, hour, minute, second, millisecond);
}

/** Date.UTC without its two-digit-year quirk (years 0–99 would become 1900–1999). */
export function utcMs(year: number, monthIndex: number, day: number, hour = 0, minute = 0, second = 0, millisecond = 0): number {
  const date = new Date(0);
  date.setUTCFullYear(year, monthIndex, day);
  date.setUTCHours(hour, minute, second, millisecond);
  return date.getTime();
}
