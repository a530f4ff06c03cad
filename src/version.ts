/**
 * provisiond's version: package.json's, read once. Both src/ (tests) and dist/ (the product, the
 * image) sit one level below the package root, and the image copies package.json beside dist/.
 */
import { readFileSync } from 'node:fs';

let cached: string | undefined;

export function productVersion(): string {
  if (cached === undefined) {
    const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    cached = typeof manifest.version === 'string' ? manifest.version : 'unknown';
  }
  return cached;
}
