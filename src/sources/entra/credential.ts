/**
 * The app's credential for Graph. Wrapped so that a token Graph rejected (revoked, or expired
 * early) can be dropped: @azure/identity caches tokens until their stated expiry and offers no
 * way to bypass that cache, so a fresh credential instance is the way to force a new token.
 */
import { ClientCertificateCredential, ClientSecretCredential, type AccessToken, type GetTokenOptions, type TokenCredential } from '@azure/identity';
import type { EntraSourceConfig } from '../../config/schema.js';

export class RenewableCredential implements TokenCredential {
  private inner: TokenCredential;

  constructor(private readonly create: () => TokenCredential) {
    this.inner = create();
  }

  getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> {
    return this.inner.getToken(scopes, options);
  }

  /** Forget cached tokens; the next request acquires a new one. */
  renew(): void {
    this.inner = this.create();
  }
}

export function createEntraCredential(config: EntraSourceConfig, authorityHost: string): RenewableCredential {
  // Instance discovery asks login.microsoftonline.com about the authority, which fails for sovereign proxies and test fakes alike.
  const options = { authorityHost, disableInstanceDiscovery: authorityHost !== 'https://login.microsoftonline.com' };
  return new RenewableCredential(() =>
    config.certificatePath !== undefined
      ? new ClientCertificateCredential(
          config.tenantId,
          config.clientId,
          { certificatePath: config.certificatePath, certificatePassword: config.certificatePassword },
          options,
        )
      : new ClientSecretCredential(config.tenantId, config.clientId, config.clientSecret as string, options),
  );
}
