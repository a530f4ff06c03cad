/**
 * The daemon as the container runs it: on a read-only root filesystem with only the state
 * directory writable (the README's hardened Kubernetes snippet), and found by `provisiond
 * healthcheck` (the image's HEALTHCHECK) on the port its config names.
 *
 * The read-only root is a mount namespace of an unprivileged user namespace (what rootless
 * containers are made of): every mount is remounted read-only, and the state directory becomes a
 * fresh tmpfs, as /data is a volume. The wrapper first proves /tmp, /var/tmp, /dev/shm, $HOME and
 * the working directory refuse writes. Where unprivileged namespaces are not allowed, that case is
 * skipped and says why.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePrometheusText, sampleValue } from '../daemon/prometheus-text.js';
import { DaemonProcess, SYNC_TOKEN, variantOf, withTopLevel } from './daemon-harness.js';
import { E2eEnvironment } from './harness.js';

const READ_ONLY_ROOT = `set -e
data="$1"; shift
awk '{print $5}' /proc/self/mountinfo | while read -r mount; do mount -o remount,bind,ro "$mount" 2>/dev/null || true; done
mount -t tmpfs -o size=64m,mode=0700 tmpfs "$data"
for dir in / /tmp /var/tmp /dev/shm "$PWD" "\${HOME:-/}"; do
  if ( : > "$dir/.provisiond-rw-probe" ) 2>/dev/null; then echo "read-only root: $dir is writable" >&2; exit 97; fi
done
exec "$@"
`;

const ids: Record<string, string> = {};
let env: E2eEnvironment;
let daemon: DaemonProcess;
let config: string;
let port: number;
let url: string;

/** The command that runs the rest of its arguments on a read-only root with `data` writable. */
function readOnlyRoot(dir: string, data: string): string[] {
  const script = join(dir, 'read-only-root.sh');
  writeFileSync(script, READ_ONLY_ROOT);
  return ['unshare', '--user', '--map-root-user', '--mount', 'sh', script, data];
}

/** Why the read-only case cannot run here, if it cannot (decided before the tests are collected). */
const noReadOnlyRoot = ((): string | undefined => {
  const dir = mkdtempSync(join(tmpdir(), 'provisiond-ro-check-'));
  try {
    mkdirSync(join(dir, 'data'));
    const [command, ...args] = readOnlyRoot(dir, join(dir, 'data')) as [string, ...string[]];
    const check = spawnSync(command, [...args, 'true'], { cwd: dir, encoding: 'utf8' });
    return check.status === 0 ? undefined : `unprivileged mount namespaces are unavailable here: ${check.error?.message ?? check.stderr.trim()}`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
})();

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port: free } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return free;
}

beforeAll(async () => {
  env = await E2eEnvironment.start();
  for (const name of ['ada', 'grace', 'ken']) {
    ids[name] = env.graph.upsertUser({ userPrincipalName: `${name}@contoso.example`, givenName: name, surname: 'X', jobTitle: 'Engineer' });
  }
  const data = join(env.dir, 'data');
  mkdirSync(data);
  port = await freePort();
  config = withTopLevel(env.writeConfig(), { state: { path: join(data, 'state.db') }, schedule: { every: '1h' }, server: { port, token: '${SYNC_TOKEN}' } });
  if (noReadOnlyRoot) console.warn(`skipping the read-only root filesystem case: ${noReadOnlyRoot}`);
  daemon = DaemonProcess.start(env, config, {}, noReadOnlyRoot ? [] : readOnlyRoot(env.dir, data));
  url = await daemon.url();
  await daemon.waitForLog((l) => l.msg === 'cycle success');
});

afterAll(async () => {
  await daemon?.stop();
  await env?.stop();
});

describe('provisiond healthcheck (the image’s HEALTHCHECK)', () => {
  it('probes /healthz on the port the config names, found through PROVISIOND_CONFIG as in the image', async () => {
    expect(url).toBe(`http://127.0.0.1:${port}`);
    const healthy = await env.runCli(['provisiond', 'healthcheck'], { PROVISIOND_CONFIG: config });
    expect({ code: healthy.code, stdout: healthy.stdout }).toEqual({ code: 0, stdout: `healthy: http://127.0.0.1:${port}/healthz answered 200\n` });
    // Another port in the config: nothing answers there, so unhealthy (1; Docker reserves 2).
    const elsewhere = variantOf(config, 'elsewhere.yaml', { server: { port: await freePort() } });
    const unhealthy = await env.runCli(['healthcheck', '--config', elsewhere]);
    expect(unhealthy.code).toBe(1);
    expect(unhealthy.stderr).toMatch(/^unhealthy: http:\/\/127\.0\.0\.1:\d+\/healthz: nothing listens there\n$/);
  });
});

describe('a read-only root filesystem', () => {
  it.skipIf(noReadOnlyRoot !== undefined)('is all the daemon needs, with only the state directory writable: cycles, POST /sync, metrics and a clean stop', async () => {
    expect(daemon.cycles()[0]).toMatchObject({ outcome: 'success', counts: expect.objectContaining({ created: 3, failed: 0 }) });
    expect((await env.scimUsers()).map((u) => u.userName).sort()).toEqual(['ada@contoso.example', 'grace@contoso.example', 'ken@contoso.example']);
    env.graph.patchUser(ids.ada!, { jobTitle: 'Countess' });
    const sync = await fetch(`${url}/sync`, { method: 'POST', headers: { authorization: `Bearer ${SYNC_TOKEN}` }, body: '{"full":true}' });
    expect(sync.status).toBe(200);
    expect(await sync.json()).toEqual({ reports: [expect.objectContaining({ job: 'app', outcome: 'success', counts: expect.objectContaining({ updated: 1, failed: 0 }) })] });
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    const samples = parsePrometheusText(await (await fetch(`${url}/metrics`)).text());
    expect(sampleValue(samples, 'provisiond_last_cycle_outcome', { job: 'app', outcome: 'success' })).toBe(1);
    expect(sampleValue(samples, 'provisiond_linked_objects', { job: 'app', kind: 'user', state: 'active' })).toBe(3);
    // The snapshot went to the namespace's own tmpfs: the directory underneath never saw it.
    expect(existsSync(join(env.dir, 'data', 'state.db'))).toBe(false);
    daemon.signal('SIGTERM');
    expect(await daemon.exited).toEqual({ code: 0, signal: null });
    expect(daemon.logs.filter((l) => l.level === 'error' || l.level === 'fatal')).toEqual([]);
    expect(daemon.logs.at(-1)).toMatchObject({ msg: 'provisiond stopped', exitCode: 0 });
  });
});
