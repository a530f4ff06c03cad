/** Date functions: CDate, DateAdd, DateDiff, DateFromNum, FormatDateTime, Now, NumFromDate. All UTC. */
import { ExpressionEvaluationError } from '../errors.js';
import { DateFormatError, formatDateTime, parseDateTimeExact, tokenizeDateFormat, type FormatToken, type ParseOptions } from '../datetime-format.js';
import { daysInMonth, parseLenientDateTime, utcMs } from '../datetime-parse.js';
import { constantText, eager, type CompileContext, type CompiledArgument, type FunctionSpec } from '../registry.js';
import type { EvaluationScope } from '../scope.js';
import { DateTimeValue, describeValue, isList, scalar, toInteger, toText, type RuntimeValue } from '../values.js';

const MS_PER_SECOND = 1000;
const MS_PER_MINUTE = 60 * MS_PER_SECOND;
const MS_PER_HOUR = 60 * MS_PER_MINUTE;
const MS_PER_DAY = 24 * MS_PER_HOUR;
/** 1601-01-01 (the FILETIME epoch) to 1970-01-01, in ms. */
const FILETIME_EPOCH_OFFSET_MS = 11_644_473_600_000;
const TICKS_PER_MS = 10_000;
/** FILETIME of DateTime.MaxValue; AD's "never" (0x7FFFFFFFFFFFFFFF) is beyond it. */
const MAX_FILETIME = 2_650_467_743_999_999_999n;
const MAX_EPOCH_MS = utcMs(9999, 11, 31, 23, 59, 59, 999);
const MIN_EPOCH_MS = utcMs(1, 0, 1);

/** A date argument: a DateTime from CDate/Now/DateAdd, or text the lenient parser understands. */
function toEpochMs(value: RuntimeValue, what: string): number | null {
  const single = scalar(value);
  if (single === null || single === '') return null;
  if (single instanceof DateTimeValue) return single.epochMs;
  if (typeof single === 'string') {
    const parsed = parseLenientDateTime(single);
    if (parsed !== undefined) return parsed;
  }
  throw new ExpressionEvaluationError(`${what}: cannot read ${describeValue(single)} as a date`);
}

function dateTime(epochMs: number, what: string): DateTimeValue {
  if (!(epochMs >= MIN_EPOCH_MS && epochMs <= MAX_EPOCH_MS)) throw new ExpressionEvaluationError(`${what}: the result is outside years 1 to 9999`);
  return new DateTimeValue(epochMs);
}

const cdate: FunctionSpec = {
  name: 'CDate',
  params: [{ name: 'expression' }],
  minArgs: 1,
  maxArgs: 1,
  compile: eager(([value]) => {
    const convert = (single: RuntimeValue): RuntimeValue => {
      const epochMs = toEpochMs(single, 'CDate');
      return epochMs === null ? null : new DateTimeValue(epochMs);
    };
    return isList(value as RuntimeValue) ? (value as readonly RuntimeValue[]).map(convert) : convert(value as RuntimeValue);
  }),
};

const now: FunctionSpec = {
  name: 'Now',
  params: [],
  minArgs: 0,
  maxArgs: 0,
  compile: () => (scope) => new DateTimeValue(scope.now().getTime()),
};

type Interval = 'yyyy' | 'm' | 'd' | 'ww' | 'h' | 'n' | 's';
const INTERVALS: readonly Interval[] = ['yyyy', 'm', 'd', 'ww', 'h', 'n', 's'];

function toInterval(value: RuntimeValue, what: string): Interval {
  const text = toText(value)?.toLowerCase();
  const interval = INTERVALS.find((i) => i === text);
  if (!interval) throw new ExpressionEvaluationError(`${what} interval must be one of ${INTERVALS.join(', ')}; got ${describeValue(value)}`);
  return interval;
}

function checkLiteralInterval(args: readonly CompiledArgument[], name: string, context: CompileContext): void {
  const arg = args[0];
  const text = constantText(arg);
  if (arg && text !== undefined && !INTERVALS.some((i) => i === text.toLowerCase())) {
    context.fail(`${name} interval must be one of ${INTERVALS.map((i) => `"${i}"`).join(', ')}; got "${text}"`, arg.node.column);
  }
}

/** Calendar months: Jan 31 + 1 month is Feb 28/29, like .NET AddMonths. */
function addMonths(epochMs: number, months: number): number {
  const date = new Date(epochMs);
  const total = date.getUTCFullYear() * 12 + date.getUTCMonth() + months;
  const year = Math.floor(total / 12);
  const monthIndex = total - year * 12;
  const day = Math.min(date.getUTCDate(), daysInMonth(year, monthIndex + 1));
  return utcMs(year, monthIndex, day, date.getUTCHours(), date.getUTCMinutes(), date.getUTCSeconds(), date.getUTCMilliseconds());
}

const dateAdd: FunctionSpec = {
  name: 'DateAdd',
  params: [{ name: 'interval' }, { name: 'value' }, { name: 'dateTime' }],
  minArgs: 3,
  maxArgs: 3,
  compile(args, context) {
    checkLiteralInterval(args, 'DateAdd', context);
    return eager(([intervalValue, amountValue, dateValue]) => {
      const interval = toInterval(intervalValue as RuntimeValue, 'DateAdd');
      const amount = toInteger(amountValue as RuntimeValue, 'DateAdd value');
      const start = toEpochMs(dateValue as RuntimeValue, 'DateAdd');
      if (start === null || amount === null) return null;
      switch (interval) {
        case 'yyyy':
          return dateTime(addMonths(start, amount * 12), 'DateAdd');
        case 'm':
          return dateTime(addMonths(start, amount), 'DateAdd');
        case 'ww':
          return dateTime(start + amount * 7 * MS_PER_DAY, 'DateAdd');
        case 'd':
          return dateTime(start + amount * MS_PER_DAY, 'DateAdd');
        case 'h':
          return dateTime(start + amount * MS_PER_HOUR, 'DateAdd');
        case 'n':
          return dateTime(start + amount * MS_PER_MINUTE, 'DateAdd');
        case 's':
          return dateTime(start + amount * MS_PER_SECOND, 'DateAdd');
      }
    })(args, context);
  },
};

/**
 * VB DateDiff, which Entra's intervals come from: years and months count calendar boundaries,
 * "ww" counts Sundays crossed, the rest truncate the elapsed time toward zero.
 */
function dateDiff(interval: Interval, from: number, to: number): number {
  const a = new Date(from);
  const b = new Date(to);
  const truncated = (unit: number): number => Math.trunc((to - from) / unit) + 0;
  switch (interval) {
    case 'yyyy':
      return b.getUTCFullYear() - a.getUTCFullYear();
    case 'm':
      return (b.getUTCFullYear() - a.getUTCFullYear()) * 12 + b.getUTCMonth() - a.getUTCMonth();
    case 'ww': {
      const startOfWeek = (date: Date): number => utcMs(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate() - date.getUTCDay());
      return Math.trunc((startOfWeek(b) - startOfWeek(a)) / (7 * MS_PER_DAY)) + 0;
    }
    case 'd':
      return truncated(MS_PER_DAY);
    case 'h':
      return truncated(MS_PER_HOUR);
    case 'n':
      return truncated(MS_PER_MINUTE);
    case 's':
      return truncated(MS_PER_SECOND);
  }
}

const dateDiffFunction: FunctionSpec = {
  name: 'DateDiff',
  params: [{ name: 'interval' }, { name: 'date1' }, { name: 'date2' }],
  minArgs: 3,
  maxArgs: 3,
  compile(args, context) {
    checkLiteralInterval(args, 'DateDiff', context);
    return eager(([intervalValue, first, second]) => {
      const interval = toInterval(intervalValue as RuntimeValue, 'DateDiff');
      const from = toEpochMs(first as RuntimeValue, 'DateDiff date1');
      const to = toEpochMs(second as RuntimeValue, 'DateDiff date2');
      return from === null || to === null ? null : dateDiff(interval, from, to);
    })(args, context);
  },
};

/** AD FILETIME (100 ns since 1601) → DateTime. 0 and AD's "never" give null: there is no date to send. */
const dateFromNum: FunctionSpec = {
  name: 'DateFromNum',
  params: [{ name: 'value' }],
  minArgs: 1,
  maxArgs: 1,
  compile: eager(([value]) => {
    const single = scalar(value as RuntimeValue);
    if (single === null || single === '') return null;
    let ticks: bigint;
    if (typeof single === 'number' && Number.isFinite(single)) ticks = BigInt(Math.trunc(single));
    else if (typeof single === 'string' && /^\s*-?\d+\s*$/.test(single)) ticks = BigInt(single.trim());
    else throw new ExpressionEvaluationError(`DateFromNum: ${describeValue(single)} is not an AD date number`);
    if (ticks < 0n) throw new ExpressionEvaluationError(`DateFromNum: ${ticks} is negative`);
    if (ticks === 0n || ticks > MAX_FILETIME) return null;
    return new DateTimeValue(Number(ticks / BigInt(TICKS_PER_MS)) - FILETIME_EPOCH_OFFSET_MS);
  }),
};

/** ISO 8601 text (or a DateTime) → AD FILETIME, e.g. for accountExpires. */
const numFromDate: FunctionSpec = {
  name: 'NumFromDate',
  params: [{ name: 'value' }],
  minArgs: 1,
  maxArgs: 1,
  compile: eager(([value]) => {
    const epochMs = toEpochMs(value as RuntimeValue, 'NumFromDate');
    // Exact as a double: whole-ms FILETIMEs are multiples of 10,000 and far below 2^63.
    return epochMs === null ? null : (epochMs + FILETIME_EPOCH_OFFSET_MS) * TICKS_PER_MS;
  }),
};

const STYLE_NAMES = [
  'None',
  'AllowLeadingWhite',
  'AllowTrailingWhite',
  'AllowInnerWhite',
  'AllowWhiteSpaces',
  'NoCurrentDateDefault',
  'AdjustToUniversal',
  'AssumeLocal',
  'AssumeUniversal',
  'RoundtripKind',
] as const;

/** Empty means Entra's default: RoundtripKind, AllowLeadingWhite, AllowTrailingWhite. */
const DEFAULT_PARSE_OPTIONS: ParseOptions = { allowLeadingWhite: true, allowTrailingWhite: true, allowInnerWhite: false, noCurrentDateDefault: false };

/**
 * DateTimeStyles names, separated by commas, | or spaces. The kind styles (AssumeUniversal,
 * AdjustToUniversal…) change nothing here: every instant is UTC and text without an offset is read as UTC.
 */
function parseStyles(text: string | null): ParseOptions | string {
  if (text === null || text.trim() === '') return DEFAULT_PARSE_OPTIONS;
  const options = { allowLeadingWhite: false, allowTrailingWhite: false, allowInnerWhite: false, noCurrentDateDefault: false };
  for (const word of text.split(/[\s,|]+/).filter(Boolean)) {
    const style = STYLE_NAMES.find((s) => s.toLowerCase() === word.replace(/^DateTimeStyles\./i, '').toLowerCase());
    if (!style) return `unknown DateTimeStyles value "${word}"; use ${STYLE_NAMES.join(', ')}`;
    if (style === 'AllowLeadingWhite' || style === 'AllowWhiteSpaces') options.allowLeadingWhite = true;
    if (style === 'AllowTrailingWhite' || style === 'AllowWhiteSpaces') options.allowTrailingWhite = true;
    if (style === 'AllowInnerWhite' || style === 'AllowWhiteSpaces') options.allowInnerWhite = true;
    if (style === 'NoCurrentDateDefault') options.noCurrentDateDefault = true;
  }
  return options;
}

const formatCache = new Map<string, FormatToken[] | string>();

function cachedFormat(format: string): FormatToken[] | string {
  let tokens = formatCache.get(format);
  if (tokens === undefined) {
    try {
      tokens = tokenizeDateFormat(format);
    } catch (error) {
      if (!(error instanceof DateFormatError)) throw error;
      tokens = error.message;
    }
    if (formatCache.size >= 256) formatCache.clear();
    formatCache.set(format, tokens);
  }
  return tokens;
}

/** A literal argument is checked and prepared at compile time; a computed one per object. */
function prepared<T>(arg: CompiledArgument, prepare: (text: string | null) => T | string, what: string, context: CompileContext): (scope: EvaluationScope) => T {
  if (arg.constant || arg.omitted) {
    const result = prepare(arg.omitted ? null : toText((arg.constant as { value: RuntimeValue }).value));
    if (typeof result === 'string') return context.fail(`FormatDateTime ${what}: ${result}`, arg.node.column);
    return () => result;
  }
  return (scope) => {
    const result = prepare(toText(arg.evaluate(scope)));
    if (typeof result === 'string') throw new ExpressionEvaluationError(`FormatDateTime ${what}: ${result}`);
    return result;
  };
}

const requiredFormat = (text: string | null): FormatToken[] | string => (text === null || text === '' ? 'is empty' : cachedFormat(text));

const formatDateTimeFunction: FunctionSpec = {
  name: 'FormatDateTime',
  params: [{ name: 'source' }, { name: 'dateTimeStyles', optional: true }, { name: 'inputFormat' }, { name: 'outputFormat' }],
  minArgs: 4,
  maxArgs: 4,
  compile(args, context) {
    const [sourceArg, stylesArg, inputArg, outputArg] = args as [CompiledArgument, CompiledArgument, CompiledArgument, CompiledArgument];
    const stylesOf = prepared(stylesArg, parseStyles, 'dateTimeStyles', context);
    const inputOf = prepared(inputArg, requiredFormat, 'inputFormat', context);
    const outputOf = prepared(outputArg, requiredFormat, 'outputFormat', context);
    const inputText = constantText(inputArg);
    const source = sourceArg.evaluate;
    return (scope) => {
      const value = source(scope);
      const output = outputOf(scope);
      const convert = (single: RuntimeValue): RuntimeValue => {
        if (single === null || single === '') return null;
        if (single instanceof DateTimeValue) return formatDateTime(output, single.epochMs);
        const text = toText(single) ?? '';
        const epochMs = parseDateTimeExact(inputOf(scope), text, stylesOf(scope), () => scope.now().getTime());
        if (epochMs === undefined) {
          const format = inputText ?? toText(inputArg.evaluate(scope)) ?? '';
          throw new ExpressionEvaluationError(`FormatDateTime: ${JSON.stringify(text)} does not match the input format "${format}"`);
        }
        return formatDateTime(output, epochMs);
      };
      return isList(value) ? value.map(convert) : convert(value);
    };
  },
};

export const DATE_FUNCTIONS: readonly FunctionSpec[] = [cdate, dateAdd, dateDiffFunction, dateFromNum, formatDateTimeFunction, now, numFromDate];
