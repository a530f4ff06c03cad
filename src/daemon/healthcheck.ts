/**
 * `provisiond healthcheck`: the container's HEALTHCHECK. It probes the daemon's GET /healthz where
 * the daemon listens — `server.port` and `server.host` of the config file, with the daemon's
 * defaults — so changing the port in the config needs no change to the image. It reads only those
 * two keys (no secrets, no full validation): a config the daemon refused on reload, or secrets the
 * probe's environment lacks, say nothing about the running daemon's health.
 *
 * Exit codes follow Docker's HEALTHCHECK contract: 0 healthy, 1 unhealthy (Docker reserves 2).
 */
import { readFileSync } from 'node:fs';
import { get } from 'node:http';
import { parse } from 'yaml';
import { processContext, substituteReferences, type SubstitutionContext } from '../config/secrets.js';
import { httpUrl, loopbackFor } from './address.js';

/** server.port's default in config/schema.ts (test/daemon/healthcheck.test.ts keeps the two equal). */
export const DEFAULT_PORT = 8080;
/** Under Docker's default HEALTHCHECK --timeout (30s) and the image's (5s): a slow answer is an answer of "unhealthy", not a killed probe. */
export const PROBE_TIMEOUT_MS = 4_000;

export class HealthcheckConfigError extends Error {
  override name = 'HealthcheckConfigError';
}

/** The /healthz URL of the daemon that this config file starts. */
export function healthzUrl(text: string, file: string, context: SubstitutionContext = processContext): string {
  let document: unknown;
  try {
    document = parse(text);
  } catch (error) {
    throw new HealthcheckConfigError(`${file}: cannot read server.port: ${error instanceof Error ? (error.message.split('\n')[0] ?? error.message) : String(error)}`);
  }
  const server = isRecord(document) && isRecord(document.server) ? document.server : {};
  const { value, issues } = substituteReferences({ port: server.port, host: server.host }, context, ['server']);
  if (issues.length > 0) throw new HealthcheckConfigError(`${file}: ${issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const { port = DEFAULT_PORT, host } = value as { port?: unknown; host?: unknown };
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new HealthcheckConfigError(`${file}: server.port is ${JSON.stringify(port)}, not a port number; \`provisiond validate\` says more`);
  }
  if (port === 0) throw new HealthcheckConfigError(`${file}: server.port is 0 (a free port picked at start), so there is no port to probe; set a fixed server.port`);
  if (host !== undefined && (typeof host !== 'string' || host === '')) throw new HealthcheckConfigError(`${file}: server.host is ${JSON.stringify(host)}, not an address`);
  const bind = host ?? context.env.PROVISIOND_HOST ?? '127.0.0.1';
  return `${httpUrl(loopbackFor(bind), port)}/healthz`;
}

export interface ProbeResult {
  readonly healthy: boolean;
  readonly detail: string;
}

/** node:http, not fetch: fetch refuses the ports browsers block (6000, 6665–6669, …), and server.port may be one. */
export function probe(url: string, timeoutMs = PROBE_TIMEOUT_MS): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const request = get(url, { timeout: timeoutMs, headers: { connection: 'close' } }, (response) => {
      response.resume();
      resolve({ healthy: response.statusCode === 200, detail: `${url} answered ${response.statusCode}` });
    });
    request.on('timeout', () => request.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })));
    request.on('error', (error: NodeJS.ErrnoException) => {
      resolve({ healthy: false, detail: `${url}: ${error.code === 'ECONNREFUSED' ? 'nothing listens there' : error.message}` });
    });
  });
}

/** Probes the daemon of this config file; returns the exit code and says why on stdout or stderr. */
export async function runHealthcheck(file: string, output: { out: NodeJS.WritableStream; err: NodeJS.WritableStream } = { out: process.stdout, err: process.stderr }): Promise<0 | 1> {
  let url: string;
  try {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new HealthcheckConfigError(`${file}: cannot read the config (${(error as NodeJS.ErrnoException).code ?? String(error)}); pass --config PATH or set PROVISIOND_CONFIG`);
    }
    url = healthzUrl(text, file);
  } catch (error) {
    if (!(error instanceof HealthcheckConfigError)) throw error;
    output.err.write(`unhealthy: ${error.message}\n`);
    return 1;
  }
  const result = await probe(url);
  if (result.healthy) output.out.write(`healthy: ${result.detail}\n`);
  else output.err.write(`unhealthy: ${result.detail}\n`);
  return result.healthy ? 0 : 1;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
