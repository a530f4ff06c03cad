/**
 * Failures of Okta reads as SourceReadErrors that say what to fix, in the admin's terms (the
 * config key, the Okta Admin Console page). Messages never carry a token, key or request header.
 */
import { SourceReadError } from '../source.js';
import { MalformedAnswerError, OktaTokenError, ThrottleBudgetError } from './throttling-executor.js';

export interface FailureContext {
  /** The configured source name, for config key paths (sources.<name>.token). */
  readonly source: string;
  readonly orgUrl: string;
  readonly auth: 'token' | 'oauth';
  /** The scopes requested (OAuth). */
  readonly scopes: readonly string[];
}

/** What the SDK throws for an answer it did not like: OktaApiError (JSON body) or HttpError (anything else). */
interface HttpFailure {
  readonly status: number;
  readonly url?: string;
  readonly errorCode?: string;
  readonly errorSummary?: string;
}

/** A private key file that cannot be read or parsed: found before any request is sent. */
export class PrivateKeyError extends Error {
  override name = 'PrivateKeyError';
}

export function isHttpFailure(error: unknown): error is Error & HttpFailure {
  return error instanceof Error && typeof (error as Partial<HttpFailure>).status === 'number';
}

export function readFailure(error: unknown, what: string, context: FailureContext): SourceReadError {
  if (error instanceof SourceReadError) return error;
  const key = (name: string) => `sources.${context.source}.${name}`;
  const fail = (message: string, status?: number) => new SourceReadError(context.source, `${what} failed: ${message}`, status, { cause: error });

  if (error instanceof OktaTokenError) {
    if (error.error === 'invalid_scope') {
      return fail(`${error.message} — grant the scopes ${context.scopes.join(' ')} to the service app (Okta Admin Console → Applications → the app → Okta API Scopes), or request fewer with ${key('scopes')}`, error.status);
    }
    if (error.error === 'invalid_client' || error.status === 401) {
      return fail(`${error.message} — check ${key('clientId')}, that ${key('privateKeyPath')} holds the private key whose public key is registered on the service app, and ${key('keyId')}`, error.status);
    }
    return fail(`${error.message} — check ${key('orgUrl')} and the service app's settings`, error.status);
  }
  if (error instanceof ThrottleBudgetError) {
    return fail(`${error.message}; the org's rate limits are exhausted by other clients or set too low — see Reports → Rate Limits in the Admin Console`, 429);
  }
  if (error instanceof PrivateKeyError) return fail(error.message);
  if (error instanceof MalformedAnswerError) {
    return fail(`${error.message}; nothing of this read is used — check that ${key('orgUrl')} (${context.orgUrl}) reaches the Okta org itself, not a proxy's or gateway's page`);
  }
  if (isHttpFailure(error)) {
    const answer = error.errorCode ? `Okta answered ${error.status} ${error.errorCode} ${error.errorSummary ?? ''}`.trim() : `${context.orgUrl} answered ${error.status}`;
    switch (error.status) {
      case 401:
        return fail(
          context.auth === 'token'
            ? `${answer} — the API token in ${key('token')} is wrong, revoked or expired, or belongs to another org than ${context.orgUrl}; create one under Security → API → Tokens`
            : `${answer} — the service app's access token was refused; check that the app in ${key('clientId')} is active`,
          401,
        );
      case 403:
        return fail(`${answer} — ${permissionHint(error.url, context)}`, 403);
      case 404:
        return fail(`${answer} — check that ${key('orgUrl')} (${context.orgUrl}) is your Okta org's URL, e.g. https://acme.okta.com`, 404);
      default:
        return fail(error.errorCode ? answer : `${answer}; is ${key('orgUrl')} an Okta org?`, error.status);
    }
  }
  if (error instanceof Error && error.name === 'FetchError') {
    const code = (error as Error & { code?: string }).code;
    return fail(`cannot reach ${context.orgUrl}${code ? ` (${code})` : ''} — check ${key('orgUrl')}, DNS and any proxy (HTTPS_PROXY)`);
  }
  // Anything else (an SDK bug, a key the SDK cannot use): its first line, never its stack.
  return fail(error instanceof Error ? (error.message.split('\n')[0] ?? error.name) : String(error));
}

/** Which permission a 403 is about, from the endpoint that answered it. */
function permissionHint(url: string | undefined, context: FailureContext): string {
  const path = url ? safePath(url) : '';
  const family = path.startsWith('/api/v1/apps') ? 'apps' : path.startsWith('/api/v1/groups') ? 'groups' : 'users';
  const scope = `okta.${family}.read`;
  if (context.auth === 'oauth') {
    return `the service app may not read ${family}: grant it the scope ${scope} (Okta API Scopes tab), list it in sources.${context.source}.scopes, and give the app an admin role that can read ${family} (e.g. Read-Only Administrator)`;
  }
  return `the admin who created the API token may not read ${family}; give them a role that can (e.g. Read-Only Administrator) or use a token of an admin who has one`;
}

function safePath(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return '';
  }
}
