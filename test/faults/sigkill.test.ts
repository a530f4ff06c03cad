/**
 * Fault scenario 2: the process is SIGKILLed at random points of an initial sync — while reading
 * the directory, between requests, with a create sent but unanswered — and restarted each time.
 * The snapshot is written one confirmed operation at a time, so the restarts must converge.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, crashed, FaultEnv, waitFor } from './fault-env.js';
import { recordScenario } from './summary.js';

const KILLS = 6;

let env: FaultEnv;

beforeAll(async () => {
  env = await FaultEnv.start({ users: 60, pageSize: 10 });
  env.writeConfig();
});

afterAll(async () => {
  await env?.stop();
});

/** A small seeded PRNG (mulberry32): the kill points are random, and the same on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

describe('fault scenario 2: SIGKILL during an initial sync', () => {
  it(`converges after ${KILLS} kills at random points, with nothing lost or duplicated`, async () => {
    const random = prng(5);
    const kills: string[] = [];
    for (let attempt = 0; kills.length < KILLS && attempt < KILLS * 3; attempt++) {
      const graphBefore = env.graph.requests.length;
      const scimBefore = env.scim.requests.length;
      // One kill in three lands while the directory is read, the rest between or inside SCIM requests.
      const duringRead = kills.length % 3 === 0;
      const after = duringRead ? 1 + Math.floor(random() * 6) : 1 + Math.floor(random() * 30);
      const child = env.spawnCli(['--sync-now', '--config', 'provisiond.yaml']);
      const done = collect(child);
      const point = await Promise.race([
        waitFor('the kill point', () =>
          duringRead ? env.graph.requests.length - graphBefore >= after && `graph request ${after}` : env.scim.requests.length - scimBefore >= after && `SCIM request ${after} (${env.scim.requests.at(-1)!.method})`,
        ),
        done.then(() => undefined),
      ]);
      if (point === undefined) continue; // the cycle finished before the kill point: no kill
      child.kill('SIGKILL');
      const run = await done;
      expect(run.code).toBe(-1);
      kills.push(point);
    }

    const finish = await env.runUntilSuccess(3);
    const result = env.compare();
    recordScenario('SIGKILL during the initial sync', { lost: result.lost.length, duplicated: result.duplicated.length });
    expect(kills).toHaveLength(KILLS);
    for (const run of finish) expect(crashed(run), run.stderr).toBe(false);
    expect(finish.at(-1)!.code).toBe(0);
    expect(result).toEqual({ lost: [], duplicated: [], wrong: [] });
    expect(env.wrongLinks()).toEqual([]);
    const { integrity, runs } = env.snapshot();
    expect(integrity).toBe('ok');
    // The cycles the kills cut short are closed by the processes that came after, not left 'running'.
    expect(runs.filter((r) => r.outcome === 'running')).toEqual([]);
    expect(Object.values(env.stateFileModes()).filter((mode) => mode !== '600')).toEqual([]);
    // A second cycle finds nothing left to do.
    env.scim.clearRequests();
    const again = await env.run();
    expect(again.code).toBe(0);
    expect(env.scim.requests.filter((r) => r.method !== 'GET')).toEqual([]);
  }, 300_000);
});
