/**
 * The ceiling: a bare HTTP loop that POSTs the same /Users bodies provisiond would send, at the
 * same concurrency, over keep-alive connections, and nothing else. Its creates/s is the most the
 * SCIM server (and this machine) allows; provisiond's rate is reported as a fraction of it.
 * Runs as its own process, like provisiond, so neither shares an event loop with the bench.
 *
 *   node dist-dev/bench/ceiling.js --url URL --users N --concurrency C [--prefix P]   (token in $BENCH_SCIM_TOKEN)
 * prints {"requests","failures","ms","perSecond","cpuMs"}.
 */
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { intArg, isEntryModule, parseArgs } from '../dev/cli.js';
import { createBody, graphUser, SCIM_TOKEN_ENV } from './e2e/data.js';

export interface CeilingResult {
  readonly requests: number;
  readonly failures: number;
  readonly ms: number;
  readonly perSecond: number;
  /** CPU time of this loop's process while sending. */
  readonly cpuMs: number;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const url = new URL(args.get('url') ?? '');
  const token = process.env[SCIM_TOKEN_ENV];
  if (!token) throw new Error(`${SCIM_TOKEN_ENV} is not set`);
  const users = intArg(args, 'users', 1000);
  const concurrency = Math.max(1, intArg(args, 'concurrency', 4));
  const prefix = args.get('prefix') ?? '';
  const path = `${url.pathname.replace(/\/+$/, '')}/Users`;
  const pool = new Pool(url.origin, { connections: concurrency, pipelining: 1 });
  // Bodies are built up front: the loop measures the server and the wire, not JSON building.
  const bodies = Array.from({ length: users }, (_, i) => JSON.stringify(createBody(graphUser(i), prefix)));
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json', accept: 'application/scim+json' };
  let next = 0;
  let failures = 0;
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < bodies.length) {
        const body = bodies[next++] as string;
        const response = await pool.request({ path, method: 'POST', headers, body });
        // A client reads the created resource (provisiond records its id), so the loop does too.
        await response.body.json();
        if (response.statusCode !== 201) failures++;
      }
    }),
  );
  const ms = performance.now() - start;
  const cpu = process.cpuUsage(cpuStart);
  await pool.close();
  const result: CeilingResult = { requests: users, failures, ms: Math.round(ms), perSecond: Math.round((users / ms) * 1000), cpuMs: Math.round((cpu.user + cpu.system) / 1000) };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

if (isEntryModule(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
