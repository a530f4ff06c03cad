/** A SCIM request that failed for good (after retries, or a status not worth retrying). */
export class ScimRequestError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    /** HTTP status, or 0 when no response arrived (network error, timeout). */
    readonly status: number,
    readonly scimType: string | undefined,
    readonly detail: string,
  ) {
    super(`${method} ${path} → ${status === 0 ? 'no response' : status}${scimType ? ` (${scimType})` : ''}: ${detail}`);
    this.name = 'ScimRequestError';
  }

  /** A create whose fate is unknown (no answer, or a 500/502/504): the app may have performed it. */
  outcomeUnknown = false;
}

/**
 * The target refused the bearer token (401/403). Every later request of the same client fails with
 * this error too, without being sent: a cycle must not keep knocking with credentials the app rejects.
 * The message names the config key to fix, never the token.
 */
export class ScimAuthError extends ScimRequestError {
  constructor(
    method: string,
    path: string,
    status: number,
    scimType: string | undefined,
    detail: string,
    /** false when the request never reached the network because an earlier one was refused. */
    readonly sent: boolean,
  ) {
    super(method, path, status, scimType, detail);
    this.name = 'ScimAuthError';
    this.message = sent
      ? `${method} ${path} → ${status}: the target refused the credentials (${detail}); check target.token`
      : `${method} ${path} not sent: the target refused the credentials earlier in this cycle (HTTP ${status}); check target.token`;
  }
}

/** A 2xx answer that is not what SCIM promises (not JSON, not an object, no id, not a ListResponse...). */
export class ScimResponseError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    /** What was wrong with the answer, in words. */
    readonly problem: string,
  ) {
    super(`${method} ${path} → ${status}: the app's answer is not a valid SCIM response: ${problem}`);
    this.name = 'ScimResponseError';
  }
}

/** Reads an RFC 7644 §3.12 error body; apps that answer HTML or plain text still get a useful detail. */
export function describeErrorBody(body: unknown, fallback: string): { scimType?: string; detail: string } {
  if (body && typeof body === 'object') {
    const record = body as Record<string, unknown>;
    const detail = record.detail ?? record.message ?? record.error_description ?? record.error;
    return {
      scimType: typeof record.scimType === 'string' ? record.scimType : undefined,
      detail: typeof detail === 'string' ? detail : JSON.stringify(body).slice(0, 500),
    };
  }
  if (typeof body === 'string' && body.trim() !== '') return { detail: body.trim().slice(0, 500) };
  return { detail: fallback };
}
