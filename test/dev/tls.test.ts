import { X509Certificate, createPrivateKey } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer, request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import forge from 'node-forge';
import { describe, expect, it } from 'vitest';
import { createTestCertificate, writeTestCertificate } from '../../dev/tls.js';

describe('test certificate', () => {
  it('is a one-day, 2048-bit RSA, sha256 cert for localhost and 127.0.0.1', () => {
    const { cert, key } = createTestCertificate();
    const x509 = new X509Certificate(cert);
    expect(x509.subject).toBe('CN=localhost');
    expect(x509.subjectAltName).toBe('DNS:localhost, IP Address:127.0.0.1');
    expect(x509.publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(x509.checkPrivateKey(createPrivateKey(key))).toBe(true);
    expect(forge.pki.certificateFromPem(cert).siginfo.algorithmOid).toBe(forge.pki.oids['sha256WithRSAEncryption']);
    expect(x509.checkIP('127.0.0.1')).toBe('127.0.0.1');
    const lifetime = Date.parse(x509.validTo) - Date.parse(x509.validFrom);
    expect(lifetime).toBeGreaterThan(23 * 3600_000);
    expect(lifetime).toBeLessThan(25 * 3600_000);
  });

  it('is trusted when given as the CA, and only then', async () => {
    const { cert, key } = createTestCertificate();
    const server = createServer({ cert, key }, (_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const get = (ca?: string): Promise<string> =>
      new Promise((resolve, reject) => {
        request(url, ca === undefined ? {} : { ca }, (res) => {
          res.resume();
          res.on('end', () => resolve(String(res.statusCode)));
        })
          .on('error', (e: NodeJS.ErrnoException) => reject(e))
          .end();
      });
    try {
      await expect(get(cert)).resolves.toBe('200');
      await expect(get()).rejects.toMatchObject({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('writes cert.pem and a private key.pem', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tls-test-'));
    try {
      const written = writeTestCertificate(join(dir, 'nested'));
      expect(existsSync(written.certPath)).toBe(true);
      expect(statSync(written.keyPath).mode & 0o077).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
