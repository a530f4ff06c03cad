import { randomBytes } from 'node:crypto';
import { HttpError } from '../graph-fake/http.js';

/** The error codes the fake answers with, and Okta's own summaries for them. */
export const OKTA_ERRORS = {
  E0000001: 'Api validation failed',
  E0000006: 'You do not have permission to perform the requested action',
  E0000007: 'Not found',
  E0000011: 'Invalid token provided',
  E0000022: 'The endpoint does not support the provided HTTP method',
  E0000031: 'Invalid search criteria.',
  E0000047: 'API call exceeded rate limit due to too many requests.',
} as const;

export type OktaErrorCode = keyof typeof OKTA_ERRORS;

/** Okta's error envelope: errorCode, errorSummary, errorLink, errorId, errorCauses. */
export function oktaError(
  status: number,
  code: OktaErrorCode,
  options: { summary?: string; causes?: string[]; headers?: Record<string, string> } = {},
): HttpError {
  return new HttpError(
    status,
    {
      errorCode: code,
      errorSummary: options.summary ?? OKTA_ERRORS[code],
      errorLink: code,
      errorId: `oae${randomBytes(11).toString('base64url')}`,
      errorCauses: (options.causes ?? []).map((errorSummary) => ({ errorSummary })),
    },
    options.headers ?? {},
  );
}

/** OAuth 2.0 error of the token endpoint (RFC 6749 §5.2), which is not Okta's API envelope. */
export function oauthError(status: number, error: string, description: string): HttpError {
  return new HttpError(status, { error, error_description: description });
}
