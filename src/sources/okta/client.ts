/**
 * The Okta SDK client as a daemon needs it: provisiond's executor in charge of waiting and
 * retrying, and the SDK's response cache off — its default store never expires entries, so a
 * long-running process would keep serving the user it read first.
 */
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Client } from '@okta/okta-sdk-nodejs';
import type { OktaSourceConfig } from '../../config/schema.js';
import { PrivateKeyError } from './errors.js';
import type { ThrottlingRequestExecutor } from './throttling-executor.js';

export const DEFAULT_SCOPES = ['okta.users.read', 'okta.groups.read', 'okta.apps.read'] as const;

/** Throws PrivateKeyError when the service app's key file cannot be read. */
export function createOktaClient(config: OktaSourceConfig, executor: ThrottlingRequestExecutor): Client {
  const common = {
    orgUrl: config.orgUrl,
    requestExecutor: executor,
    cacheMiddleware: null,
    // Shows up in Okta's System Log, so admins can tell provisiond's calls from others.
    userAgent: 'provisiond',
  };
  if (config.token !== undefined) {
    const settings = { ...common, authorizationMode: 'SSWS', token: config.token };
    return new Client(settings);
  }
  const settings = {
    ...common,
    authorizationMode: 'PrivateKey',
    clientId: config.clientId,
    scopes: [...(config.scopes ?? DEFAULT_SCOPES)],
    privateKey: readPrivateKey(config.privateKeyPath as string),
    // Always set, so an OKTA_CLIENT_KEYID in the environment (read by the SDK) cannot slip in.
    keyId: config.keyId ?? '',
  };
  return new Client(settings);
}

function readPrivateKey(path: string): string {
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new PrivateKeyError(`cannot read the private key file ${path} (${code}); check privateKeyPath and the file's permissions`);
  }
  let type: string | undefined;
  try {
    type = createPrivateKey(pem).asymmetricKeyType;
  } catch {
    throw new PrivateKeyError(`${path} holds no unencrypted PEM private key ("-----BEGIN PRIVATE KEY-----"); privateKeyPath needs the service app's private key`);
  }
  // The SDK signs its DPoP proofs with RS256 whatever the key, so an EC key fails on every token request.
  if (type !== 'rsa') throw new PrivateKeyError(`${path} holds a${type === 'ec' ? 'n EC' : ` ${String(type)}`} key; the Okta SDK needs an RSA key for the service app`);
  return pem;
}
