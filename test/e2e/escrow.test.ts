/** Escrow and quarantine, end to end: what an app in trouble gets from provisiond, cycle after cycle. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { E2eEnvironment, writes } from './harness.js';

let env: E2eEnvironment;

beforeAll(async () => {
  env = await E2eEnvironment.start();
});
afterAll(async () => env?.stop());

function scenario(department: string, safety: Record<string, unknown> = {}): string {
  return env.writeConfig(
    { name: department, scope: { filters: [{ attribute: 'department', operator: 'EQUALS', value: department }] }, safety: { maxDeletes: 10, ...safety } },
    `${department}.yaml`,
  );
}

async function sync(config: string) {
  await env.clearScimRequests();
  const run = await env.runCli(['--sync-now', '--config', config]);
  return { run, sent: writes(await env.scimRequests()) };
}

describe('escrow', () => {
  it('retries a refused update next cycle, parks it after maxAttempts, and tries again when the source changes', async () => {
    const config = scenario('escrow', { maxAttempts: 2 });
    const id = env.graph.upsertUser({ userPrincipalName: 'escrow@contoso.example', department: 'escrow', jobTitle: 'One' });
    expect((await sync(config)).run.code).toBe(0);
    const targetId = (await env.scimUsers()).find((u) => u.userName === 'escrow@contoso.example')?.id as string;
    await env.injectScimFault({ status: 400, scimType: 'invalidValue', count: 100, method: 'PATCH', path: `/Users/${targetId}` });

    env.graph.patchUser(id, { jobTitle: 'Two' });
    const first = await sync(config);
    expect(first.run.code).toBe(1);
    expect(first.run.logs.find((l) => l.op === 'update')).toMatchObject({ outcome: 'failed', status: 400, attempts: 1, scimType: 'invalidValue' });

    const second = await sync(config);
    expect(second.sent).toHaveLength(1);
    expect(second.run.logs.find((l) => l.op === 'update')).toMatchObject({ outcome: 'failed', attempts: 2 });

    const third = await sync(config);
    expect(third.run.code).toBe(1);
    expect(third.sent).toEqual([]);
    expect(third.run.logs.find((l) => l.outcome === 'parked')).toMatchObject({ attempts: 2, user: 'escrow@contoso.example' });
    expect(third.run.logs.find((l) => String(l.msg).startsWith('cycle '))).toMatchObject({ counts: expect.objectContaining({ parked: 1 }) });

    await env.clearScimFaults();
    env.graph.patchUser(id, { jobTitle: 'Three' });
    const fourth = await sync(config);
    expect(fourth.run.code, fourth.run.stdout).toBe(0);
    expect(fourth.sent).toEqual([expect.objectContaining({ method: 'PATCH', body: expect.objectContaining({ Operations: [{ op: 'replace', path: 'title', value: 'Three' }] }) })]);
    expect((await sync(config)).sent).toEqual([]);
  });
});

describe('quarantine', () => {
  it('quarantines a job whose target fails wholesale and lifts it once a cycle goes through', async () => {
    const config = scenario('down');
    for (let i = 0; i < 6; i++) env.graph.upsertUser({ userPrincipalName: `down-${i}@contoso.example`, department: 'down' });
    await env.injectScimFault({ status: 503, count: 1000, method: 'POST', path: '/Users' });
    const failing = await sync(config);
    expect(failing.run.code).toBe(1);
    expect(failing.run.logs.find((l) => String(l.msg).startsWith('job quarantined until'))).toMatchObject({ level: 'error', quarantineLevel: 1 });

    await env.clearScimFaults();
    // --sync-now is an operator's explicit request: it runs even while the job is quarantined.
    const recovered = await sync(config);
    expect(recovered.run.code, recovered.run.stdout).toBe(0);
    expect(recovered.sent.filter((r) => r.method === 'POST')).toHaveLength(6);
    expect(recovered.run.logs.find((l) => l.msg === 'quarantine lifted: the target accepts operations again')).toBeDefined();
  });
});
