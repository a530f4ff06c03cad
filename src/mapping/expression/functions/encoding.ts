/** Encodings, bits and generated values: BitAnd, ConvertToBase64, ConvertToUTF8Hex, Guid, RandomString. */
import { ExpressionEvaluationError } from '../errors.js';
import { argValue, eager, type CompiledArgument, type FunctionSpec } from '../registry.js';
import type { EvaluationScope } from '../scope.js';
import { describeValue, perValue, scalar, toInteger, toText, type RuntimeValue } from '../values.js';

const convertToBase64: FunctionSpec = {
  name: 'ConvertToBase64',
  params: [{ name: 'source' }],
  minArgs: 1,
  maxArgs: 1,
  // "Unicode" in .NET terms: UTF-16 little-endian bytes.
  compile: eager(([source]) => perValue(source as RuntimeValue, (text) => Buffer.from(text, 'utf16le').toString('base64'))),
};

const convertToUtf8Hex: FunctionSpec = {
  name: 'ConvertToUTF8Hex',
  params: [{ name: 'source' }],
  minArgs: 1,
  maxArgs: 1,
  compile: eager(([source]) => perValue(source as RuntimeValue, (text) => Buffer.from(text, 'utf8').toString('hex').toUpperCase())),
};

/** Whole numbers up to 64 bits (userAccountControl flags, &H literals); BigInt keeps bits JS numbers would lose. */
function toBits(value: RuntimeValue): bigint | null {
  const single = scalar(value);
  if (single === null || single === '') return null;
  if (typeof single === 'number' && Number.isInteger(single)) return BigInt(single);
  if (typeof single === 'string') {
    const text = single.trim();
    if (/^-?\d+$/.test(text)) return BigInt(text);
    const hex = /^&H([0-9a-f]+)$/i.exec(text);
    if (hex) return BigInt(`0x${hex[1] as string}`);
  }
  throw new ExpressionEvaluationError(`BitAnd: ${describeValue(single)} is not a whole number`);
}

const bitAnd: FunctionSpec = {
  name: 'BitAnd',
  params: [{ name: 'value1' }, { name: 'value2' }],
  minArgs: 2,
  maxArgs: 2,
  compile: eager(([first, second]) => {
    const a = toBits(first as RuntimeValue);
    const b = toBits(second as RuntimeValue);
    return a === null || b === null ? null : Number(a & b);
  }),
};

function randomIndex(scope: EvaluationScope, length: number): number {
  return Math.min(length - 1, Math.floor(scope.random() * length));
}

/** Version 4 GUID from the scope's random source, so tests and previews can be repeated. */
const guid: FunctionSpec = {
  name: 'Guid',
  params: [],
  minArgs: 0,
  maxArgs: 0,
  compile: () => (scope) => {
    const bytes = Array.from({ length: 16 }, () => randomIndex(scope, 256));
    bytes[6] = ((bytes[6] as number) & 0x0f) | 0x40;
    bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80;
    const hex = bytes.map((b) => b.toString(16).padStart(2, '0')).join('');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  },
};

const DIGITS = '0123456789';
const CAPITALS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const LOWER_CASE = 'abcdefghijklmnopqrstuvwxyz';
/** The non-alphanumeric characters of Windows' password complexity rules, which the reference points to. */
const SPECIALS = '~!@#$%^&*_-+=`|\\(){}[]:;"\'<>,.?/';
const MAX_RANDOM_LENGTH = 256;

interface RandomStringRequest {
  readonly length: number;
  readonly minimums: readonly [number, number, number, number];
  readonly avoid: string;
}

/** Returns the character pools, or why the request cannot be met. */
function pools(request: RandomStringRequest): { required: string[]; all: string } | string {
  const { length, minimums, avoid } = request;
  if (length < 1 || length > MAX_RANDOM_LENGTH) return `Length must be between 1 and ${MAX_RANDOM_LENGTH}, got ${length}`;
  if (minimums.some((m) => m < 0)) return 'minimum counts cannot be negative';
  const sum = minimums.reduce((a, b) => a + b, 0);
  if (sum > length) return `the minimum counts add up to ${sum}, more than Length ${length}`;
  const allowed = (chars: string): string => [...chars].filter((c) => !avoid.includes(c)).join('');
  const required = [allowed(DIGITS), allowed(SPECIALS), allowed(CAPITALS), allowed(LOWER_CASE)];
  const names = ['numbers', 'special characters', 'capitals', 'lower-case letters'];
  for (let i = 0; i < 4; i++) {
    if ((minimums[i] as number) > 0 && required[i] === '') return `CharactersToAvoid excludes every one of the ${names[i] as string}`;
  }
  const all = required.join('');
  if (all === '') return 'CharactersToAvoid excludes every character';
  return { required, all };
}

function generate(scope: EvaluationScope, request: RandomStringRequest, pool: { required: string[]; all: string }): string {
  const chars: string[] = [];
  request.minimums.forEach((minimum, i) => {
    const source = pool.required[i] as string;
    for (let n = 0; n < minimum; n++) chars.push(source[randomIndex(scope, source.length)] as string);
  });
  while (chars.length < request.length) chars.push(pool.all[randomIndex(scope, pool.all.length)] as string);
  // Fisher–Yates, so the required characters are not always in front.
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomIndex(scope, i + 1);
    [chars[i], chars[j]] = [chars[j] as string, chars[i] as string];
  }
  return chars.join('');
}

const randomString: FunctionSpec = {
  name: 'RandomString',
  params: [
    { name: 'Length' },
    { name: 'MinimumNumbers' },
    { name: 'MinimumSpecialCharacters' },
    { name: 'MinimumCapital' },
    { name: 'MinimumLowerCase' },
    { name: 'CharactersToAvoid', optional: true },
  ],
  minArgs: 5,
  maxArgs: 6,
  compile(args, context) {
    const readRequest = (values: readonly RuntimeValue[]): RandomStringRequest => {
      const number = (index: number): number => toInteger(argValue(values, index), 'RandomString argument') ?? 0;
      return { length: number(0), minimums: [number(1), number(2), number(3), number(4)], avoid: toText(argValue(values, 5)) ?? '' };
    };
    // Literal arguments (the usual case) are validated once, at load time.
    if (args.every((a: CompiledArgument) => a.constant !== undefined)) {
      const request = readRequest(args.map((a) => (a.constant as { value: RuntimeValue }).value));
      const pool = pools(request);
      if (typeof pool === 'string') return context.fail(`RandomString: ${pool}`);
      return (scope) => generate(scope, request, pool);
    }
    return eager((values, scope) => {
      const request = readRequest(values);
      const pool = pools(request);
      if (typeof pool === 'string') throw new ExpressionEvaluationError(`RandomString: ${pool}`);
      return generate(scope, request, pool);
    })(args, context);
  },
};

export const ENCODING_FUNCTIONS: readonly FunctionSpec[] = [bitAnd, convertToBase64, convertToUtf8Hex, guid, randomString];
