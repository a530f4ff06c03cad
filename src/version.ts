/**
 * provisiond's version, from the package.json beside dist/ (the image copies it there too), read
 * once and synchronously: `--version` and the build-info metric must not disagree with the package.
 */
import { readFileSync } from 'node:fs';

export const VERSION: string = readVersion();

function readVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}
