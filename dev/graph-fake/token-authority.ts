import { X509Certificate, constants, randomBytes, randomUUID, verify } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError, isRecord, readBody, sendJson } from './http.js';

export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** Graph accepts tokens minted for either of its resource identifiers. */
const GRAPH_AUDIENCES = new Set(['https://graph.microsoft.com', '00000003-0000-0000-c000-000000000000']);

/** Scopes MSAL may add to any request; Entra ignores them for app-only tokens. */
const OIDC_SCOPES = new Set(['openid', 'profile', 'offline_access']);

export interface TokenAuthorityOptions {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  tokenLifetimeSeconds: number;
  /** PEM certificates whose keys may sign client assertions. With none, any well-formed assertion is accepted. */
  certificates?: readonly string[];
}

interface IssuedToken {
  expiresAt: number;
  audience: string;
}

export type BearerCheck = { ok: true } | { ok: false; message: string };

/** Outcome of one authority request, for the request log. */
export interface AuthorityResult {
  status: number;
  /** True when the caller proved who it is (a token was issued). */
  authorized: boolean;
}

/**
 * The Entra side of the fake: OpenID discovery, instance discovery and the
 * v2.0 token endpoint for the client-credentials grant, issuing random
 * opaque access tokens that the Graph side then checks.
 */
export class TokenAuthority {
  private readonly tokens = new Map<string, IssuedToken>();
  private readonly certificates: X509Certificate[];
  private issued = 0;

  constructor(
    private readonly options: TokenAuthorityOptions,
    private readonly origin: () => string,
  ) {
    this.certificates = (options.certificates ?? []).map((pem) => new X509Certificate(pem));
  }

  get tokensIssued(): number {
    return this.issued;
  }

  registerCertificate(pem: string): void {
    this.certificates.push(new X509Certificate(pem));
  }

  /** Invalidates every token issued so far; clients holding one get 401 from Graph. */
  expireAll(): void {
    this.tokens.clear();
  }

  checkBearer(authorization: string | undefined): BearerCheck {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!match) return { ok: false, message: 'Access token is empty.' };
    const token = this.tokens.get(match[1] as string);
    if (!token || token.expiresAt <= Date.now()) {
      return { ok: false, message: 'Access token has expired or is not yet valid.' };
    }
    if (!GRAPH_AUDIENCES.has(token.audience)) {
      return { ok: false, message: 'Access token validation failure. Invalid audience.' };
    }
    return { ok: true };
  }

  /** Handles `path` if it belongs to the authority; returns undefined when it does not. */
  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<AuthorityResult | undefined> {
    const segments = url.pathname.split('/').filter((s) => s.length > 0);
    const [tenant, ...rest] = segments;
    if (tenant === undefined) return undefined;
    const route = rest.join('/');

    if (route === 'discovery/instance' && req.method === 'GET') {
      return this.reply(res, 200, this.instanceDiscovery(tenant === 'common' ? this.options.tenantId : tenant), false);
    }
    if (route !== 'v2.0/.well-known/openid-configuration' && route !== 'oauth2/v2.0/token' && route !== 'discovery/v2.0/keys') {
      return undefined;
    }
    if (!this.isOurTenant(tenant)) {
      return this.reply(
        res,
        400,
        this.entraError(
          'invalid_tenant',
          90002,
          `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
        ),
        false,
      );
    }
    if (route === 'v2.0/.well-known/openid-configuration' && req.method === 'GET') {
      return this.reply(res, 200, this.openIdConfiguration(), false);
    }
    if (route === 'discovery/v2.0/keys' && req.method === 'GET') {
      // Opaque access tokens are never validated by clients, so no keys are needed.
      return this.reply(res, 200, { keys: [] }, false);
    }
    if (route === 'oauth2/v2.0/token' && req.method === 'POST') {
      return this.token(req, res);
    }
    return this.reply(res, 405, this.entraError('invalid_request', 900561, 'The endpoint only accepts POST requests.'), false);
  }

  private isOurTenant(tenant: string): boolean {
    return tenant.toLowerCase() === this.options.tenantId.toLowerCase();
  }

  private tenantBase(): string {
    return `${this.origin()}/${this.options.tenantId}`;
  }

  private openIdConfiguration(): Record<string, unknown> {
    const base = this.tenantBase();
    const origin = this.origin();
    return {
      token_endpoint: `${base}/oauth2/v2.0/token`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      jwks_uri: `${base}/discovery/v2.0/keys`,
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      issuer: `${base}/v2.0`,
      request_uri_parameter_supported: false,
      userinfo_endpoint: `${origin}/oidc/userinfo`,
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
      http_logout_supported: true,
      frontchannel_logout_supported: true,
      end_session_endpoint: `${base}/oauth2/v2.0/logout`,
      claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'nbf', 'tid', 'oid'],
      kerberos_endpoint: `${base}/kerberos`,
      tenant_region_scope: 'EU',
      cloud_instance_name: 'microsoftonline.com',
      cloud_graph_host_name: 'graph.windows.net',
      msgraph_host: 'graph.microsoft.com',
      rbac_url: 'https://pas.windows.net',
    };
  }

  private instanceDiscovery(tenant: string): Record<string, unknown> {
    const host = new URL(this.origin()).host;
    return {
      tenant_discovery_endpoint: `${this.origin()}/${tenant}/v2.0/.well-known/openid-configuration`,
      'api-version': '1.1',
      metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
    };
  }

  private async token(req: IncomingMessage, res: ServerResponse): Promise<AuthorityResult> {
    const form = new URLSearchParams(await readBody(req));
    const grantType = form.get('grant_type');
    if (grantType !== 'client_credentials') {
      return this.reply(
        res,
        400,
        this.entraError('unsupported_grant_type', 70003, `The app requested an unsupported grant type '${grantType ?? ''}'.`),
        false,
      );
    }

    const assertion = form.get('client_assertion');
    let clientId = form.get('client_id');
    if (clientId === null && assertion !== null) clientId = jwtClaims(assertion)?.iss ?? null;
    if (clientId === null) {
      return this.reply(
        res,
        400,
        this.entraError('invalid_request', 900144, "The request body must contain the following parameter: 'client_id'."),
        false,
      );
    }
    if (clientId !== this.options.clientId) {
      // Entra answers an unknown application with 400, not 401.
      return this.reply(
        res,
        400,
        this.entraError(
          'unauthorized_client',
          700016,
          `Application with identifier '${clientId}' was not found in the directory '${this.options.tenantId}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
        ),
        false,
      );
    }

    const secret = form.get('client_secret');
    if (secret !== null) {
      if (secret !== this.options.clientSecret) {
        return this.reply(
          res,
          401,
          this.entraError(
            'invalid_client',
            7000215,
            `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`,
          ),
          false,
        );
      }
    } else if (assertion !== null) {
      const problem = this.checkAssertion(form.get('client_assertion_type'), assertion, clientId);
      if (problem) return this.reply(res, problem.status, problem.body, false);
    } else {
      return this.reply(
        res,
        401,
        this.entraError(
          'invalid_client',
          7000218,
          "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
        ),
        false,
      );
    }

    const audience = this.audienceFor(form.get('scope'));
    if (audience instanceof HttpError) return this.reply(res, audience.status, audience.body, false);

    const accessToken = randomBytes(32).toString('base64url');
    const lifetime = this.options.tokenLifetimeSeconds;
    this.tokens.set(accessToken, { expiresAt: Date.now() + lifetime * 1000, audience });
    this.issued += 1;
    return this.reply(
      res,
      200,
      { token_type: 'Bearer', expires_in: lifetime, ext_expires_in: lifetime, access_token: accessToken },
      true,
    );
  }

  /** The resource of a `<resource>/.default` scope, or the Entra error for anything else. */
  private audienceFor(scope: string | null): string | HttpError {
    const scopes = (scope ?? '').split(' ').filter((s) => s.length > 0 && !OIDC_SCOPES.has(s));
    const [only] = scopes;
    if (scopes.length !== 1 || only === undefined || !only.endsWith('/.default')) {
      return new HttpError(
        400,
        this.entraError(
          'invalid_scope',
          1002012,
          `The provided value for scope ${scope ?? ''} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
        ),
      );
    }
    return only.slice(0, -'/.default'.length).replace(/\/+$/, '');
  }

  private checkAssertion(type: string | null, assertion: string, clientId: string): HttpError | undefined {
    const invalid = (code: number, message: string): HttpError =>
      new HttpError(401, this.entraError('invalid_client', code, message));
    if (type !== CLIENT_ASSERTION_TYPE) {
      return new HttpError(
        400,
        this.entraError('invalid_request', 50027, `Invalid client_assertion_type '${type ?? ''}'.`),
      );
    }
    const parts = assertion.split('.');
    const header = jwtPart(parts[0]);
    const claims = jwtClaims(assertion);
    if (parts.length !== 3 || !header || !claims) return invalid(50027, 'JWT token is invalid or malformed.');
    if (claims.iss !== clientId || claims.sub !== clientId) {
      return invalid(700021, "Client assertion application identifier doesn't match 'client_id' parameter.");
    }
    const now = Date.now() / 1000;
    if (typeof claims.exp !== 'number' || claims.exp < now || (typeof claims.nbf === 'number' && claims.nbf > now + 300)) {
      return invalid(700024, 'Client assertion is not within its valid time range.');
    }
    if (this.certificates.length > 0 && !this.signatureMatches(parts, header)) {
      return invalid(700027, 'Client assertion contains an invalid signature.');
    }
    return undefined;
  }

  private signatureMatches(parts: string[], header: Record<string, unknown>): boolean {
    const data = Buffer.from(`${parts[0]}.${parts[1]}`);
    const signature = Buffer.from(parts[2] ?? '', 'base64url');
    return this.certificates.some((cert) => {
      try {
        if (header['alg'] === 'PS256') {
          return verify('sha256', data, { key: cert.publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, signature);
        }
        if (header['alg'] === 'RS256') return verify('sha256', data, cert.publicKey, signature);
        return false;
      } catch {
        return false;
      }
    });
  }

  /** Entra's OAuth error body, including the numeric codes MSAL surfaces in its messages. */
  private entraError(error: string, code: number, description: string): Record<string, unknown> {
    const traceId = randomUUID();
    const correlationId = randomUUID();
    const timestamp = new Date().toISOString().replace('T', ' ').slice(0, 19) + 'Z';
    return {
      error,
      error_description: `AADSTS${code}: ${description} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
      error_codes: [code],
      timestamp,
      trace_id: traceId,
      correlation_id: correlationId,
      error_uri: `${this.origin()}/error?code=${code}`,
    };
  }

  private reply(res: ServerResponse, status: number, body: Record<string, unknown>, authorized: boolean): AuthorityResult {
    // Entra never lets token responses be cached.
    sendJson(res, status, body, { 'cache-control': 'no-store, no-cache', pragma: 'no-cache' });
    return { status, authorized };
  }
}

interface JwtClaims {
  iss?: unknown;
  sub?: unknown;
  exp?: unknown;
  nbf?: unknown;
}

function jwtPart(part: string | undefined): Record<string, unknown> | undefined {
  if (part === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return isRecord(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function jwtClaims(jwt: string): (JwtClaims & { iss?: string }) | undefined {
  const claims = jwtPart(jwt.split('.')[1]);
  if (!claims) return undefined;
  return { ...claims, iss: typeof claims['iss'] === 'string' ? claims['iss'] : undefined };
}
