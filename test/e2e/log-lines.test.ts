/**
 * The strict log-line parser the e2e harnesses run over every line provisiond prints: it finds a
 * repeated key that JSON.parse (and a log store) would silently resolve to the last value.
 */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { DuplicateKeyError, parseLogLine, parseLogOutput } from './log-lines.js';

function pinoLines(write: (log: ReturnType<typeof createLogger>) => void): string[] {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter((l) => l.length > 0));
      done();
    },
  });
  write(createLogger('info', sink));
  return lines;
}

describe('parseLogLine', () => {
  it('reads a clean record exactly as JSON.parse does, with no duplicates', () => {
    const line = '{"level":"info","time":"2026-11-30T03:00:00.000Z","msg":"cycle success","counts":{"read":3,"created":1},"ids":[1,-2.5e3,"x\\"y\\u00e9"],"ok":true,"none":null}';
    expect(parseLogLine(line)).toEqual({ record: JSON.parse(line), duplicates: [] });
  });

  it('flags the quarantine record that says "level" twice', () => {
    const line = '{"level":"error","time":"t","job":"app","runId":4,"until":"2026-11-30T04:00:00Z","level":1,"msg":"job quarantined until …"}';
    const parsed = parseLogLine(line)!;
    expect(parsed.duplicates).toEqual(['$.level']);
    // What a log store sees: the last value wins, and an alert on level "error" misses the record.
    expect(parsed.record.level).toBe(1);
    expect(JSON.parse(line)).toEqual(parsed.record);
  });

  it('flags "job" twice, as a child logger bound to the job and a record naming it again write it', () => {
    const [line] = pinoLines((log) => log.child({ job: 'app' }).info({ job: 'app', op: 'create', outcome: 'created' }, 'created ada'));
    expect(line).toMatch(/"job":"app".*"job":"app"/);
    expect(parseLogLine(line!)!.duplicates).toEqual(['$.job']);
  });

  it('does not flag a child logger whose records leave the bound key out', () => {
    const [line] = pinoLines((log) => log.child({ job: 'app' }).info({ op: 'create' }, 'created ada'));
    expect(parseLogLine(line!)!.duplicates).toEqual([]);
  });

  it('finds repeats in nested objects and arrays, and keys equal only after unescaping', () => {
    expect(parseLogLine('{"counts":{"read":1,"read":2}}')!.duplicates).toEqual(['$.counts.read']);
    expect(parseLogLine('{"ops":[{"op":"a"},{"op":"b","op":"c"}]}')!.duplicates).toEqual(['$.ops[1].op']);
    expect(parseLogLine('{"a":1,"\\u0061":2}')!.duplicates).toEqual(['$.a']);
    // The same key in sibling objects is no repeat.
    expect(parseLogLine('{"a":{"x":1},"b":{"x":2},"c":[{"x":3},{"x":4}]}')!.duplicates).toEqual([]);
  });

  it('leaves non-JSON lines out and rejects malformed ones', () => {
    expect(parseLogLine('Job app: 0 operation(s) planned')).toBeUndefined();
    for (const bad of ['{"a":1', '{"a":1}x', '{"a":01}', '{a:1}', '{"a":tru}', '{"a":"\u0001"}']) expect(() => parseLogLine(bad), bad).toThrow(SyntaxError);
  });
});

describe('parseLogOutput', () => {
  it('returns every record and the lines that repeat a key; the error names each', () => {
    const stdout = ['plain text', '{"msg":"a","job":"x"}', '{"msg":"b","job":"x","job":"x"}', '{"broken', ''].join('\n');
    const { records, repeated } = parseLogOutput(stdout);
    expect(records.map((r) => r.msg)).toEqual(['a', 'b']);
    expect(repeated).toEqual([{ line: '{"msg":"b","job":"x","job":"x"}', duplicates: ['$.job'] }]);
    expect(new DuplicateKeyError(repeated).message).toContain('$.job in {"msg":"b","job":"x","job":"x"}');
  });
});
