/** The pretty log form: what a person reads on a terminal, with secrets redacted as in JSON. */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { formatLine, formatRecord } from '../src/log-pretty.js';
import { createLogger, resolveLogFormat } from '../src/log.js';

function capture(): { stream: Writable; text: () => string } {
  let out = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      out += chunk.toString();
      done();
    },
  });
  return { stream, text: () => out };
}

describe('pretty log lines', () => {
  it('shows time, level, job, message and the fields the message does not already say', () => {
    const line = formatRecord(
      { level: 'warn', time: '2026-01-01T03:04:05.000Z', service: 'provisiond', pid: 1, job: 'flip', runId: 7, msg: 'full read: first cycle', mode: 'full', reason: 'first cycle', sourceId: 'u-1', error: 'HTTP 400: bad "value"' },
      { color: false },
    );
    expect(line).toMatch(/^\d\d:\d\d:\d\d WARN {2}flip {2}full read: first cycle {2}sourceId=u-1 error="HTTP 400: bad \\"value\\""$/);
    expect(line).not.toContain('provisiond');
    expect(line).not.toContain('reason=');
    expect(line).not.toContain('mode='); // "full" is in the message already
  });

  it('gives a cycle line its key counts and duration, not the dozens of counters in the JSON', () => {
    const line = formatRecord({ level: 'info', time: 0, msg: 'cycle success', job: 'app', durationMs: 1234, counts: { read: 10, inScope: 9, created: 2, updated: 0, failed: 0, targetRequests: 14, 'op.create.created': 2 } }, { color: false });
    expect(line).toMatch(/cycle success {2}in 1\.2s read=10 inScope=9 created=2 failed=0$/);
  });

  it('colours the level only when asked, and prints an error’s stack under it', () => {
    const record = { level: 'error', time: 0, msg: 'boom', err: { type: 'Error', message: 'disk full', stack: 'Error: disk full\n    at x' } };
    expect(formatRecord(record, { color: true })).toContain('\u001b[31mERROR\u001b[0m');
    expect(formatRecord(record, { color: false })).toBe(`${formatRecord(record, { color: false }).split('\n')[0]}\n    Error: disk full\n        at x`);
    expect(formatLine('not json', { color: false })).toBe('not json');
  });

  it('redacts secrets through the pretty form as through JSON', () => {
    for (const format of ['pretty', 'json'] as const) {
      const out = capture();
      createLogger('info', out.stream, format).info({ token: 'tok-s3cret', config: { sources: { corp: { clientSecret: 'cs-s3cret' } } }, headers: { authorization: 'Bearer b-s3cret' } }, 'hello');
      expect(out.text()).toContain('hello');
      expect(out.text()).not.toMatch(/s3cret/);
      expect(out.text()).toContain('[redacted]');
      if (format === 'pretty') expect(out.text()).not.toContain('{"level"');
    }
  });

  it('passes logger.flush through to the destination, and calls back', async () => {
    const out = capture();
    const log = createLogger('info', out.stream, 'pretty');
    log.info('before flush');
    await new Promise<void>((resolve) => log.flush(() => resolve()));
    expect(out.text()).toContain('before flush');
  });

  it('is pretty on a terminal and JSON elsewhere, unless asked', () => {
    expect(resolveLogFormat(undefined, { isTTY: true })).toBe('pretty');
    expect(resolveLogFormat(undefined, {})).toBe('json');
    expect(resolveLogFormat('json', { isTTY: true })).toBe('json');
    expect(resolveLogFormat('pretty', {})).toBe('pretty');
  });
});
