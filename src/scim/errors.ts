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
