/**
 * Injected failures besides throttling: 403 E0000006 as when the token's admin lacks a permission
 * (or the service app a scope), and 5xx as in an Okta incident.
 */
import type { HttpError } from '../graph-fake/http.js';
import { oktaError } from './errors.js';

export interface ForbidOptions {
  /** Only requests whose path starts with this (e.g. "/api/v1/apps"); default every API request. */
  pathPrefix?: string;
  /** How many requests are refused; default every one until clearFaults(). */
  times?: number;
}

export interface FailOptions {
  status: 500 | 502 | 503 | 504;
  pathPrefix?: string;
  /** Default 1. */
  times?: number;
}

interface Rule {
  readonly pathPrefix: string;
  remaining: number;
  readonly error: () => HttpError;
}

export class Faults {
  private rules: Rule[] = [];

  forbid(options: ForbidOptions = {}): void {
    this.rules.push({ pathPrefix: options.pathPrefix ?? '/', remaining: options.times ?? Infinity, error: () => oktaError(403, 'E0000006') });
  }

  fail(options: FailOptions): void {
    this.rules.push({
      pathPrefix: options.pathPrefix ?? '/',
      remaining: options.times ?? 1,
      error: () => oktaError(options.status, 'E0000001', { summary: `Injected failure (${options.status})` }),
    });
  }

  clear(): void {
    this.rules = [];
  }

  /** The failure for this request, if a rule applies; each use counts against the rule's `times`. */
  failureFor(pathname: string): HttpError | undefined {
    const rule = this.rules.find((r) => r.remaining > 0 && pathname.startsWith(r.pathPrefix));
    if (!rule) return undefined;
    rule.remaining--;
    return rule.error();
  }
}
