import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import forge from 'node-forge';

export interface TestCertificate {
  /** PEM certificate; also the trust anchor clients must be given (it is self-signed). */
  cert: string;
  /** PEM RSA private key. */
  key: string;
}

export interface WrittenTestCertificate extends TestCertificate {
  certPath: string;
  keyPath: string;
}

const ONE_DAY_MS = 24 * 60 * 60 * 1000;
// Tolerates small clock differences between the processes that share the cert.
const BACKDATE_MS = 5 * 60 * 1000;

/**
 * A throwaway self-signed certificate for the loopback fakes (CN=localhost,
 * SAN IP:127.0.0.1 + DNS:localhost). Clients trust it by adding the cert itself
 * as a CA (NODE_EXTRA_CA_CERTS or the `ca` TLS option), never by turning
 * verification off, so the real SDKs run their normal TLS code paths.
 */
export function createTestCertificate(): TestCertificate {
  // Native key generation: node-forge's pure-JS RSA would take seconds.
  const keys = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  });

  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(keys.publicKey);
  // Leading 01 keeps the DER integer positive, as RFC 5280 requires.
  cert.serialNumber = `01${randomBytes(15).toString('hex')}`;
  const now = Date.now();
  cert.validity.notBefore = new Date(now - BACKDATE_MS);
  cert.validity.notAfter = new Date(now + ONE_DAY_MS);

  const name = [{ name: 'commonName', value: 'localhost' }];
  cert.setSubject(name);
  cert.setIssuer(name);
  cert.setExtensions([
    // The cert is its own trust anchor, so it has to be allowed to act as a CA.
    { name: 'basicConstraints', cA: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, keyCertSign: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: [
        { type: 2, value: 'localhost' }, // dNSName
        { type: 7, ip: '127.0.0.1' }, // iPAddress
      ],
    },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(keys.privateKey), forge.md.sha256.create());

  return { cert: forge.pki.certificateToPem(cert), key: keys.privateKey };
}

/**
 * Writes a fresh certificate as `cert.pem` / `key.pem` in `dir` (created if
 * missing). Point NODE_EXTRA_CA_CERTS of a *child* process at `certPath`: Node
 * reads that variable only once, at process start.
 */
export function writeTestCertificate(dir: string): WrittenTestCertificate {
  const { cert, key } = createTestCertificate();
  mkdirSync(dir, { recursive: true });
  const certPath = join(dir, 'cert.pem');
  const keyPath = join(dir, 'key.pem');
  writeFileSync(certPath, cert);
  writeFileSync(keyPath, key, { mode: 0o600 });
  return { certPath, keyPath, cert, key };
}
