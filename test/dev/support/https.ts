import { request } from 'node:https';

export interface JsonResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  /** `body` as an object; `any` only so assertions can drill into Graph payloads without casts. */
  json: Record<string, any>;
}

/**
 * HTTPS with the fake's certificate as the only trust anchor. In-process tests
 * cannot use NODE_EXTRA_CA_CERTS (Node reads it at startup) and Node 20 has no
 * tls.setDefaultCACertificates, so they pass `ca` per request instead.
 */
export function httpsJson(
  url: string,
  options: { ca: string; method?: string; headers?: Record<string, string>; body?: string },
): Promise<JsonResponse> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', ca: options.ca, headers: options.headers ?? {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown;
        try {
          body = text === '' ? undefined : JSON.parse(text);
        } catch {
          body = text;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: (body ?? {}) as Record<string, any> });
      });
    });
    req.on('error', reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

export async function clientCredentialsToken(
  authorityHost: string,
  tenantId: string,
  form: Record<string, string>,
  ca: string,
): Promise<JsonResponse> {
  return httpsJson(`${authorityHost}/${tenantId}/oauth2/v2.0/token`, {
    ca,
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
}
