/**
 * The source registry: a new IdP is a new adapter here, nothing else in the engine changes.
 * Each adapter is imported when a job first needs it: the IdP SDKs take most of a second to
 * load, and commands that never read a directory (validate, expr, status, --help) must not pay it.
 */
import type { SourceConfig } from '../config/schema.js';
import type { Source } from './source.js';

export async function createSource(name: string, config: SourceConfig): Promise<Source> {
  switch (config.type) {
    case 'entra': {
      const { EntraSource } = await import('./entra/entra-source.js');
      return new EntraSource(name, config);
    }
    case 'okta': {
      const { OktaSource } = await import('./okta/okta-source.js');
      return new OktaSource(name, config);
    }
  }
}

/**
 * Loads the adapters the configured sources need. A daemon does it once at start, so that a cycle
 * begins reading at once instead of spending its first second importing an SDK.
 */
export async function loadSourceAdapters(configs: Iterable<SourceConfig>): Promise<void> {
  const types = new Set([...configs].map((config) => config.type));
  await Promise.all([...types].map((type) => (type === 'entra' ? import('./entra/entra-source.js') : import('./okta/okta-source.js'))));
}
