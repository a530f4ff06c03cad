/**
 * Fault scenario 3: the directory throttles a fifth of its pages (429 and 503 with Retry-After),
 * then one page fails for good, one answers 200 with an HTML sign-in page, one answers `{}`, one
 * carries a `value` that is not an array. A failed read proves nothing by absence: those cycles
 * deprovision nobody and exit non-zero; once the directory answers again, the cycle converges.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScimRequestLogEntry } from '../../dev/scim-server.js';
import { crashed, cycleSummary, FaultEnv } from './fault-env.js';
import { recordScenario } from './summary.js';

const FULL = ['--sync-now', '--full', '--config', 'provisiond.yaml'];

let env: FaultEnv;

beforeAll(async () => {
  env = await FaultEnv.start({ users: 60, pageSize: 10 });
  env.writeConfig();
});

afterAll(async () => {
  await env?.stop();
});

/** DELETEs, and PATCHes that set active to false. */
function deprovisioning(requests: readonly ScimRequestLogEntry[]): ScimRequestLogEntry[] {
  return requests.filter((r) => r.method === 'DELETE' || (r.method === 'PATCH' && /"active"\s*:\s*(false|"False")|"value"\s*:\s*\{[^}]*"active"\s*:\s*(false|"False")/.test(JSON.stringify(r.body))));
}

describe('fault scenario 3: a directory that throttles, fails and answers junk', () => {
  it('converges through throttling, and never deprovisions on a failed or malformed read', async () => {
    // Every fifth Graph request is throttled: 429 on the initial sync.
    env.graph.throttle({ every: 5, retryAfterSeconds: 1, status: 429 });
    const initial = await env.run(FULL);
    expect(crashed(initial), initial.stderr).toBe(false);
    expect(initial.code).toBe(0);
    expect(env.graph.stats().throttled).toBeGreaterThan(0);
    expect(env.compare()).toEqual({ lost: [], duplicated: [], wrong: [] });

    // Users leave the directory: a complete read would deprovision them, a failed one must not.
    const users = env.graph.users();
    for (const user of users.slice(20, 23)) env.graph.hardDeleteUser(String(user['id']));
    env.graph.patchUser(String(users[30]!['id']), { accountEnabled: false });

    const broken: { name: string; arrange: () => void }[] = [
      { name: 'page 3 fails for good (503)', arrange: () => env.graph.failPage(3, { status: 503 }) },
      { name: 'page 2 answers 200 with HTML', arrange: () => env.graph.malformPage(2, { fault: 'html' }) },
      { name: 'page 4 answers {}', arrange: () => env.graph.malformPage(4, { fault: 'emptyObject' }) },
      { name: 'page 5 answers a value that is not an array', arrange: () => env.graph.malformPage(5, { fault: 'valueObject' }) },
    ];
    const linkedBefore = env.targetUsers().length;
    for (const { name, arrange } of broken) {
      env.graph.clearFaults();
      // And a fifth of all requests throttled, 503 this time.
      env.graph.throttle({ every: 5, retryAfterSeconds: 1, status: 503 });
      arrange();
      env.scim.clearRequests();
      const run = await env.run(FULL);
      expect(crashed(run), `${name}: ${run.stderr}`).toBe(false);
      expect(run.code, `${name}: exit code`).not.toBe(0);
      expect(cycleSummary(run)?.['outcome'], name).not.toBe('success');
      expect(deprovisioning(env.scim.requests), name).toEqual([]);
      expect(env.targetUsers().filter((u) => u['active'] !== false), name).toHaveLength(linkedBefore);
    }

    env.graph.clearFaults();
    const recovered = await env.run(FULL);
    const result = env.compare();
    recordScenario('source throttles, fails and answers junk', { lost: result.lost.length, duplicated: result.duplicated.length });
    expect(recovered.code).toBe(0);
    expect(result).toEqual({ lost: [], duplicated: [], wrong: [] });
    expect(env.wrongLinks()).toEqual([]);
    const { integrity, runs } = env.snapshot();
    expect(integrity).toBe('ok');
    expect(runs.filter((r) => r.outcome === 'running')).toEqual([]);
  }, 300_000);
});
