import { createHash } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { interceptAnswer } from './answers.js';
import { sendScimError } from './middleware.js';

/**
 * Faults by share of requests, the way a struggling app fails: some throttled, some 5xx, a few
 * performed but never answered in time. Decisions are seeded and keyed by the request itself
 * (method, path, body, and how often that same request came before), so a run is reproducible
 * whatever order concurrent requests arrive in.
 */
export interface ScimChaosOptions {
  readonly seed: number;
  /** Share (0..1) answered 429 with Retry-After. */
  readonly throttle?: number;
  readonly retryAfterSeconds?: number;
  /** Share answered 500, 502, 503 or 504. */
  readonly serverError?: number;
  /** Share handled for real whose answer is held for `hangMs` (set it past the client's timeout). */
  readonly hang?: number;
  readonly hangMs?: number;
}

export interface ScimChaosStats {
  throttled: number;
  serverErrors: number;
  hung: number;
}

const SERVER_ERRORS = [500, 502, 503, 504] as const;

export class ScimChaos {
  private options: ScimChaosOptions | undefined;
  private readonly seen = new Map<string, number>();
  readonly stats: ScimChaosStats = { throttled: 0, serverErrors: 0, hung: 0 };

  set(options: ScimChaosOptions): void {
    const shares = [options.throttle, options.serverError, options.hang].map((s) => s ?? 0);
    if (shares.some((s) => !(s >= 0 && s <= 1)) || shares.reduce((a, b) => a + b, 0) > 1) throw new Error('chaos shares must be within 0..1 and sum to at most 1');
    if (!Number.isInteger(options.seed)) throw new Error('chaos needs an integer seed');
    this.options = options;
    this.seen.clear();
  }

  clear(): void {
    this.options = undefined;
  }

  /** A number in [0, 1) fixed by the seed, the request, and its occurrence count. */
  private draw(seed: number, key: string): number {
    const occurrence = (this.seen.get(key) ?? 0) + 1;
    this.seen.set(key, occurrence);
    return createHash('sha256').update(`${seed}\n${occurrence}\n${key}`).digest().readUInt32BE(0) / 2 ** 32;
  }

  middleware(isAuthorized: (req: Request) => boolean): RequestHandler {
    return (req: Request, res: Response, next: NextFunction) => {
      const options = this.options;
      if (!options || !isAuthorized(req)) return next();
      const r = this.draw(options.seed, `${req.method} ${req.url} ${req.body === undefined ? '' : JSON.stringify(req.body)}`);
      const throttle = options.throttle ?? 0;
      const serverError = options.serverError ?? 0;
      const hang = options.hang ?? 0;
      if (r < throttle) {
        this.stats.throttled++;
        return sendScimError(res, 429, 'Too many requests', undefined, { 'Retry-After': String(options.retryAfterSeconds ?? 1) });
      }
      if (r < throttle + serverError) {
        this.stats.serverErrors++;
        const status = SERVER_ERRORS[Math.floor(((r - throttle) / serverError) * SERVER_ERRORS.length)] ?? 500;
        return sendScimError(res, status, `Injected server error (${status})`);
      }
      if (r < throttle + serverError + hang) {
        this.stats.hung++;
        interceptAnswer(res, { holdMs: options.hangMs ?? 10_000 });
      }
      next();
    };
  }
}
