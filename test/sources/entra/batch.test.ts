/** readMany (JSON batching) against scripted Graph answers: what it believes, retries and refuses. */
import { GraphError } from '@microsoft/microsoft-graph-client';
import { describe, expect, it } from 'vitest';
import { readMany, type BatchContext, type BatchRead } from '../../../src/sources/entra/batch.js';
import { SourceReadError, type ReadStats } from '../../../src/sources/source.js';

const ROOT = 'https://graph.example/v1.0';

interface Script {
  /** Answers a batch body; throws to fail the HTTP call. */
  batch: (requests: { id: string; url: string }[]) => unknown;
  get?: (url: string) => unknown;
}

function context(script: Script, stats: ReadStats = { requests: 0, retries: 0, throttledMs: 0 }) {
  const sent: { id: string; url: string }[][] = [];
  const slept: number[] = [];
  const ctx: BatchContext = {
    source: 'corp',
    get: async (url) => {
      if (!script.get) throw new Error(`unexpected GET ${url}`);
      return script.get(url);
    },
    post: async (url, body) => {
      expect(url).toBe('/$batch');
      const requests = (body as { requests: { id: string; url: string; method: string }[] }).requests;
      expect(requests.every((r) => r.method === 'GET')).toBe(true);
      sent.push(requests.map(({ id, url: u }) => ({ id, url: u })));
      return script.batch(requests);
    },
    readError: (error, what) => new SourceReadError('corp', `${what} failed: ${error instanceof GraphError ? `Graph answered ${error.statusCode} ${error.code ?? ''}` : String((error as Error).message)}`, error instanceof GraphError ? error.statusCode : undefined),
    versionRoots: [ROOT],
    maxRetries: 2,
    stats,
    sleep: async (ms) => void slept.push(ms),
  };
  return { ctx, sent, slept, stats };
}

const reads = (n: number): BatchRead[] =>
  Array.from({ length: n }, (_, i) => ({ key: `g${i}`, url: `/groups/g${i}/transitiveMembers/microsoft.graph.user?$select=id`, what: `reading members of group g${i}`, collection: true }));

const page = (ids: string[], next?: string) => ({ value: ids.map((id) => ({ id })), ...(next ? { '@odata.nextLink': next } : {}) });

describe('readMany', () => {
  it('sends 45 reads as batches of 20, 20 and 5, and correlates answers by id whatever their order', async () => {
    const { ctx, sent } = context({ batch: (requests) => ({ responses: [...requests].reverse().map((r) => ({ id: r.id, status: 200, body: page([`member-of-${r.url.split('/')[2]}`]) })) }) });
    const results = await readMany({ ...ctx, concurrency: 1 }, reads(45));
    expect(sent.map((b) => b.length)).toEqual([20, 20, 5]);
    expect(results.get('g33')).toEqual([page(['member-of-g33'])]);
  });

  it('continues a read from its nextLink in a later batch, relative to the version root', async () => {
    const { ctx, sent } = context({
      batch: (requests) => ({
        responses: requests.map((r) => ({
          id: r.id,
          status: 200,
          body: r.url.includes('$skiptoken') ? page(['b']) : page(['a'], `${ROOT}${r.url}&$skiptoken=next`),
        })),
      }),
    });
    const results = await readMany({ ...ctx, concurrency: 1 }, reads(2));
    expect(results.get('g0')).toEqual([page(['a'], `${ROOT}/groups/g0/transitiveMembers/microsoft.graph.user?$select=id&$skiptoken=next`), page(['b'])]);
    expect(sent[1]?.map((r) => r.url)).toEqual(['/groups/g0/transitiveMembers/microsoft.graph.user?$select=id&$skiptoken=next', '/groups/g1/transitiveMembers/microsoft.graph.user?$select=id&$skiptoken=next']);
  });

  it('retries a sub-request answered 429 after the longest Retry-After of its batch, counting the wait', async () => {
    let calls = 0;
    const { ctx, sent, slept, stats } = context({
      batch: (requests) => {
        calls++;
        return {
          responses: requests.map((r) =>
            calls === 1 && r.id === '2' ? { id: r.id, status: 429, headers: { 'Retry-After': '7' }, body: { error: { code: 'TooManyRequests', message: 'slow down' } } } : { id: r.id, status: 200, body: page([r.url]) },
          ),
        };
      },
      get: (url) => page([url]),
    });
    const results = await readMany({ ...ctx, concurrency: 1 }, reads(3));
    expect(sent.map((b) => b.length)).toEqual([3]);
    expect(slept).toEqual([7000]);
    expect(stats).toMatchObject({ retries: 1, throttledMs: 7000 });
    expect([...results.values()].every((pages) => pages?.length === 1)).toBe(true);
  });

  it('holds every batch back until a Retry-After has passed, not only the throttled one', async () => {
    let posts = 0;
    const wakeUps: (() => void)[] = [];
    const { ctx } = context({
      batch: (requests) => {
        posts++;
        return { responses: requests.map((r) => (posts === 1 && r.id === '1' ? { id: r.id, status: 429, headers: { 'retry-after': '5' } } : { id: r.id, status: 200, body: page([]) })) };
      },
      get: () => page([]),
    });
    const sleep = (ms: number) => {
      expect(ms).toBe(5000);
      return new Promise<void>((resolve) => wakeUps.push(resolve));
    };
    const done = readMany({ ...ctx, concurrency: 2, sleep }, reads(100));
    const settle = async () => {
      for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
    };
    await settle();
    // The first two batches went out together; the first came back throttled: nothing more is sent while it waits.
    expect(wakeUps).toHaveLength(1);
    expect(posts).toBe(2);
    wakeUps[0]?.();
    const results = await done;
    expect(posts).toBe(5);
    expect([...results.values()].every((pages) => pages?.length === 1)).toBe(true);
  });

  it('gives up on a sub-request still throttled after maxRetries, naming the read', async () => {
    const { ctx } = context({
      batch: (requests) => ({ responses: requests.map((r) => ({ id: r.id, status: r.id === '1' ? 503 : 200, headers: {}, body: r.id === '1' ? { error: { code: 'ServiceUnavailable' } } : page([]) })) }),
      get: () => {
        throw Object.assign(new GraphError(503, 'unavailable'), { code: 'ServiceUnavailable' });
      },
    });
    await expect(readMany({ ...ctx, concurrency: 1 }, reads(2))).rejects.toThrow('reading members of group g0 (page 1) failed: Graph answered 503 ServiceUnavailable');
  });

  it('reads 404 as "no such object", and fails the read on 403 with Graph’s code', async () => {
    const { ctx } = context({ batch: (requests) => ({ responses: requests.map((r) => ({ id: r.id, status: r.id === '1' ? 404 : 200, body: r.id === '1' ? { error: { code: 'Request_ResourceNotFound' } } : page(['x']) })) }) });
    const results = await readMany(ctx, reads(2));
    expect(results.get('g0')).toBeUndefined();
    expect(results.get('g1')).toEqual([page(['x'])]);
    const denied = context({ batch: (requests) => ({ responses: requests.map((r) => ({ id: r.id, status: 403, body: { error: { code: 'Authorization_RequestDenied', message: 'Insufficient privileges' } } })) }) });
    await expect(readMany(denied.ctx, reads(2))).rejects.toMatchObject({ name: 'SourceReadError', status: 403 });
  });

  it('refuses a malformed envelope, a malformed page, an unknown or missing response id, and a nextLink to another host', async () => {
    const cases: [string, Script['batch']][] = [
      ['malformed envelope', () => ({ value: [] })],
      ['malformed page', (requests) => ({ responses: requests.map((r) => ({ id: r.id, status: 200, body: { value: 'not a list' } })) })],
      ['unknown or repeated response id', (requests) => ({ responses: [...requests.map((r) => ({ id: r.id, status: 200, body: page([]) })), { id: '99', status: 200, body: page([]) }] })],
      ['left out 1 of 2', (requests) => ({ responses: requests.slice(1).map((r) => ({ id: r.id, status: 200, body: page([]) })) })],
      ['outside the configured Graph endpoint (https://evil.example)', (requests) => ({ responses: requests.map((r) => ({ id: r.id, status: 200, body: page([], 'https://evil.example/v1.0/groups?$skiptoken=x') })) })],
    ];
    for (const [message, batch] of cases) {
      const { ctx } = context({ batch });
      await expect(readMany(ctx, reads(2)), message).rejects.toThrow(message);
    }
  });
});
