/**
 * `--sync-now` beside a running daemon: hand the cycle to the daemon (POST /sync) instead of
 * becoming a second writer, and bring back the daemon's outcome.
 */
import { request as httpRequest } from 'node:http';
import type { OnDemandReport } from '../engine/on-demand.js';
import { parseSyncResponse, toRequestBody, type CycleRequest, type CycleSummary } from './sync-protocol.js';

export type HandoffResult =
  | { readonly kind: 'done'; readonly reports: readonly CycleSummary[]; /** For a one-user request. */ readonly user?: OnDemandReport }
  /** The daemon answered but did not run it (401/403 token mismatch, 503 shutting down, …). */
  | { readonly kind: 'refused'; readonly status: number; readonly message: string }
  /** The daemon does not know the job (its config differs from ours). */
  | { readonly kind: 'unknown-job'; readonly message: string }
  /** Nothing answered at the address (another network namespace, or the daemon just died). */
  | { readonly kind: 'unreachable'; readonly message: string };

/**
 * node:http rather than fetch: a cycle can take longer than fetch's default five-minute header
 * timeout, and the answer only comes when the cycle ends.
 */
export function handToDaemon(address: string, token: string, request: CycleRequest): Promise<HandoffResult> {
  const body = JSON.stringify(toRequestBody(request));
  return new Promise((resolve) => {
    let url: URL;
    try {
      url = new URL('/sync', address);
    } catch {
      resolve({ kind: 'unreachable', message: `the daemon published an unusable address (${address})` });
      return;
    }
    const req = httpRequest(
      url,
      {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', (error) => resolve({ kind: 'unreachable', message: `the daemon's answer broke off: ${error.message}` }));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          let parsed: unknown;
          try {
            parsed = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
          } catch {
            parsed = undefined;
          }
          const error = (parsed as { error?: unknown } | undefined)?.error;
          const message = typeof error === 'string' ? error : `HTTP ${status}`;
          if (status === 200) {
            const answer = parseSyncResponse(parsed);
            resolve(
              answer
                ? { kind: 'done', reports: answer.reports, ...(answer.user ? { user: answer.user } : {}) }
                : { kind: 'refused', status, message: 'the daemon answered with something other than cycle reports' },
            );
          } else if (status === 404) {
            resolve({ kind: 'unknown-job', message });
          } else {
            resolve({ kind: 'refused', status, message });
          }
        });
      },
    );
    req.on('error', (error) => resolve({ kind: 'unreachable', message: error.message }));
    req.end(body);
  });
}
