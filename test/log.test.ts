import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, redactSecrets } from '../src/log.js';

function capture(): { stream: Writable; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({ write: (chunk: Buffer, _e, done) => (lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>), done()) });
  return { stream, lines };
}

describe('redactSecrets', () => {
  it('replaces a secret key at any depth, in objects and arrays', () => {
    const record = { a: { b: { c: { d: { password: 'p-s3cret' } } } }, list: [{ token: 't-s3cret' }, 'plain'], headers: { Authorization: 'Bearer x' } };
    expect(redactSecrets(record)).toEqual({ a: { b: { c: { d: { password: '[redacted]' } } } }, list: [{ token: '[redacted]' }, 'plain'], headers: { Authorization: '[redacted]' } });
  });

  it('leaves the caller’s object untouched, and returns a record without secrets as it is', () => {
    const record = { op: 'create', nested: { clientSecret: 'cs' } };
    const redacted = redactSecrets(record);
    expect(record.nested.clientSecret).toBe('cs');
    expect(redacted).not.toBe(record);
    const clean = { op: 'create', user: 'ada@example.com', status: 201, nested: { value: 1 } };
    expect(redactSecrets(clean)).toBe(clean);
  });

  it('keeps an error’s message and stack while redacting what it carries', () => {
    const error = Object.assign(new Error('request failed'), { request: { headers: { authorization: 'Bearer b-s3cret' } } });
    const redacted = redactSecrets<unknown>({ err: error }) as { err: Record<string, unknown> };
    expect(redacted.err['message']).toBe('request failed');
    expect(String(redacted.err['stack'])).toContain('request failed');
    expect(JSON.stringify(redacted)).not.toContain('b-s3cret');
  });
});

describe('createLogger', () => {
  it('redacts fields and child bindings before the line is written', () => {
    const out = capture();
    const log = createLogger('info', out.stream).child({ job: 'flip', target: { token: 'bound-s3cret' } });
    log.info({ op: 'create', config: { jobs: [{ target: { token: 'field-s3cret' } }] } }, 'hello');
    const text = JSON.stringify(out.lines);
    expect(text).not.toContain('s3cret');
    expect(out.lines[0]).toMatchObject({ job: 'flip', op: 'create', msg: 'hello', target: { token: '[redacted]' } });
  });
});
