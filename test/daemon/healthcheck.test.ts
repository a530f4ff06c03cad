import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_PORT, HealthcheckConfigError, healthzUrl, probe } from '../../src/daemon/healthcheck.js';
import { testConfig } from './support.js';

const context = (env: Record<string, string> = {}) => ({ env, readFile: () => '' });
const url = (yaml: string, env: Record<string, string> = {}) => healthzUrl(yaml, 'provisiond.yaml', context(env));

describe('healthzUrl: where the daemon of this config listens', () => {
  it('takes server.port, with the daemon’s default when the config has none', () => {
    expect(url('server: { port: 9464 }\njobs: []\n')).toBe('http://127.0.0.1:9464/healthz');
    expect(url('jobs: []\n')).toBe(`http://127.0.0.1:${DEFAULT_PORT}/healthz`);
    // The schema's default, so a config without server.port is probed where the daemon listens.
    expect(testConfig().config.server.port).toBe(DEFAULT_PORT);
  });

  it('reaches a wildcard bind (the image’s PROVISIOND_HOST=0.0.0.0) over loopback, and a named host at that host', () => {
    expect(url('server: { port: 9000 }', { PROVISIOND_HOST: '0.0.0.0' })).toBe('http://127.0.0.1:9000/healthz');
    expect(url('server: { port: 9000, host: "::" }')).toBe('http://[::1]:9000/healthz');
    expect(url('server: { port: 9000, host: 10.1.2.3 }', { PROVISIOND_HOST: '0.0.0.0' })).toBe('http://10.1.2.3:9000/healthz');
    expect(url('server: { port: 9000, host: "${BIND}" }', { BIND: '0.0.0.0' })).toBe('http://127.0.0.1:9000/healthz');
  });

  it('reads no secret: an unset token reference or an invalid job elsewhere does not matter', () => {
    expect(url('server: { port: 9000, token: "${UNSET_TOKEN}" }\njobs: [{ name: 1 }]\n')).toBe('http://127.0.0.1:9000/healthz');
  });

  it('says what is wrong when the config gives no port to probe', () => {
    expect(() => url('server: { port: 0 }')).toThrow(/server\.port is 0 .*set a fixed server\.port/);
    expect(() => url('server: { port: "80a" }')).toThrow(HealthcheckConfigError);
    expect(() => url('server: { port: 9000, host: "${UNSET}" }')).toThrow(/server\.host: environment variable UNSET is not set/);
    expect(() => url('server: [port: 1')).toThrow(/^provisiond\.yaml: cannot read server\.port/);
  });
});

describe('probe', () => {
  let server: Server;
  let base: string;
  let status = 200;
  beforeAll(async () => {
    server = createServer((_req, res) => res.writeHead(status).end('ok\n'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('is healthy on 200 only, and says what it saw', async () => {
    expect(await probe(`${base}/healthz`)).toEqual({ healthy: true, detail: `${base}/healthz answered 200` });
    status = 503;
    expect(await probe(`${base}/healthz`)).toEqual({ healthy: false, detail: `${base}/healthz answered 503` });
  });

  it('is unhealthy when the daemon does not answer in time', async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const at = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/healthz`;
    try {
      expect(await probe(at, 200)).toEqual({ healthy: false, detail: `${at}: no answer within 200 ms` });
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it('is unhealthy when nothing listens', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    expect(await probe(`http://127.0.0.1:${port}/healthz`)).toEqual({ healthy: false, detail: `http://127.0.0.1:${port}/healthz: nothing listens there` });
  });
});
