/**
 * Who may call the fake: API tokens (`Authorization: SSWS …`, acting as an admin with every read
 * permission) and OAuth 2.0 service apps (client credentials with a private key JWT, at
 * POST /oauth2/v1/token; their access tokens carry only the granted scopes).
 */
import { createPublicKey, randomBytes, verify, type KeyObject } from 'node:crypto';
import { oauthError, oktaError } from './errors.js';

export interface ServiceAppOptions {
  clientId: string;
  /** PEM of the public key (a private key or certificate PEM works too) that signs the client assertions. */
  publicKey: string;
  /** The `kid` the assertion must name, if any. */
  keyId?: string;
  /** Scopes granted to the app (Okta API Scopes tab), e.g. okta.users.read. */
  scopes: string[];
}

export type Principal = { readonly kind: 'ssws' } | { readonly kind: 'oauth'; readonly clientId: string; readonly scopes: ReadonlySet<string> };

interface ServiceApp {
  readonly key: KeyObject;
  readonly keyId: string | undefined;
  readonly scopes: ReadonlySet<string>;
}

interface AccessToken {
  readonly clientId: string;
  readonly scopes: ReadonlySet<string>;
  readonly expiresAt: number;
}

export interface TokenResponse {
  token_type: 'Bearer';
  expires_in: number;
  access_token: string;
  scope: string;
}

export class OktaAuth {
  private readonly apiTokens: Set<string>;
  private readonly serviceApps = new Map<string, ServiceApp>();
  private readonly accessTokens = new Map<string, AccessToken>();
  private issued = 0;

  constructor(
    apiTokens: readonly string[],
    serviceApps: readonly ServiceAppOptions[],
    private readonly accessTokenLifetimeSeconds: number,
    private readonly now: () => number,
  ) {
    this.apiTokens = new Set(apiTokens);
    for (const app of serviceApps) this.registerServiceApp(app);
  }

  get tokensIssued(): number {
    return this.issued;
  }

  addApiToken(token: string): void {
    this.apiTokens.add(token);
  }

  /** The token stops working at once, as when an admin revokes it in Security → API → Tokens. */
  revokeApiToken(token: string): void {
    this.apiTokens.delete(token);
  }

  registerServiceApp(app: ServiceAppOptions): void {
    this.serviceApps.set(app.clientId, { key: createPublicKey(app.publicKey), keyId: app.keyId, scopes: new Set(app.scopes) });
  }

  /** Changes what a service app is granted; tokens already issued keep their scopes until they expire. */
  grantScopes(clientId: string, scopes: string[]): void {
    const app = this.serviceApps.get(clientId);
    if (!app) throw new Error(`no service app ${clientId}`);
    this.serviceApps.set(clientId, { ...app, scopes: new Set(scopes) });
  }

  revokeAccessTokens(): void {
    this.accessTokens.clear();
  }

  /** The caller of an API request; 401 E0000011 when the token is missing, unknown, revoked or expired. */
  authenticate(authorization: string | undefined): Principal {
    const [scheme, token] = (authorization ?? '').split(/\s+/, 2);
    if (scheme === 'SSWS' && token && this.apiTokens.has(token)) return { kind: 'ssws' };
    if ((scheme === 'Bearer' || scheme === 'DPoP') && token) {
      const access = this.accessTokens.get(token);
      if (access && access.expiresAt > this.now()) return { kind: 'oauth', clientId: access.clientId, scopes: access.scopes };
      throw oktaError(401, 'E0000011', {
        headers: { 'www-authenticate': 'Bearer realm="IdpApi", error="invalid_token", error_description="The token is not valid."' },
      });
    }
    throw oktaError(401, 'E0000011');
  }

  /** 403 E0000006 when an OAuth token lacks the scope (a `.manage` scope includes `.read`). */
  requireScope(principal: Principal, scope: string, resource: string): void {
    if (principal.kind === 'ssws') return;
    const manage = scope.replace(/\.read$/, '.manage');
    if (principal.scopes.has(scope) || principal.scopes.has(manage)) return;
    throw oktaError(403, 'E0000006', {
      headers: {
        'www-authenticate': `Bearer realm="IdpApi", scope="${scope}", error="insufficient_scope", error_description="The access token provided does not contain the required scopes.", resource="${resource}"`,
      },
    });
  }

  /** POST /oauth2/v1/token: client_credentials with a private_key_jwt client assertion. */
  issueToken(form: URLSearchParams, tokenUrl: string): TokenResponse {
    if (form.get('grant_type') !== 'client_credentials') throw oauthError(400, 'unsupported_grant_type', 'The authorization grant type is not supported by the authorization server.');
    if (form.get('client_assertion_type') !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer') {
      throw oauthError(401, 'invalid_client', 'Client authentication failed: a private_key_jwt client_assertion is required.');
    }
    const clientId = this.verifyAssertion(form.get('client_assertion') ?? '', tokenUrl);
    const app = this.serviceApps.get(clientId) as ServiceApp;
    const requested = (form.get('scope') ?? '').split(/\s+/).filter(Boolean);
    if (requested.length === 0) throw oauthError(400, 'invalid_scope', 'The authorization server resource does not have any configured default scopes, \'scope\' must be provided.');
    const missing = requested.filter((s) => !app.scopes.has(s));
    if (missing.length > 0) throw oauthError(400, 'invalid_scope', `The following scopes were requested, but not granted: ${missing.join(' ')}`);
    const accessToken = randomBytes(24).toString('base64url');
    this.accessTokens.set(accessToken, { clientId, scopes: new Set(requested), expiresAt: this.now() + this.accessTokenLifetimeSeconds * 1000 });
    this.issued++;
    return { token_type: 'Bearer', expires_in: this.accessTokenLifetimeSeconds, access_token: accessToken, scope: requested.join(' ') };
  }

  /** The client id of a well-formed, correctly signed, unexpired assertion addressed to this token endpoint. */
  private verifyAssertion(assertion: string, tokenUrl: string): string {
    const invalid = (why: string) => oauthError(401, 'invalid_client', `The client_assertion token is invalid: ${why}`);
    const parts = assertion.split('.');
    if (parts.length !== 3) throw invalid('not a JWT');
    const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
    let header: Record<string, unknown>;
    let payload: Record<string, unknown>;
    try {
      header = JSON.parse(Buffer.from(headerPart, 'base64url').toString('utf8')) as Record<string, unknown>;
      payload = JSON.parse(Buffer.from(payloadPart, 'base64url').toString('utf8')) as Record<string, unknown>;
    } catch {
      throw invalid('not a JWT');
    }
    const clientId = String(payload.iss ?? '');
    const app = this.serviceApps.get(clientId);
    if (!app || payload.sub !== clientId) throw oauthError(401, 'invalid_client', 'The client_id is not valid, or it does not belong to a service app of this org.');
    if (app.keyId !== undefined && header.kid !== undefined && header.kid !== app.keyId) throw invalid(`no key with kid ${String(header.kid)}`);
    const data = Buffer.from(`${headerPart}.${payloadPart}`);
    const signature = Buffer.from(signaturePart, 'base64url');
    const signed =
      header.alg === 'RS256'
        ? verify('sha256', data, app.key, signature)
        : header.alg === 'ES256'
          ? verify('sha256', data, { key: app.key, dsaEncoding: 'ieee-p1363' }, signature)
          : false;
    if (!signed) throw invalid('the signature does not match a key registered for the client');
    if (payload.aud !== tokenUrl) throw invalid(`aud must be ${tokenUrl}`);
    if (typeof payload.exp !== 'number' || payload.exp * 1000 <= this.now()) throw invalid('expired');
    return clientId;
  }
}
