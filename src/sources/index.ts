/** The source registry: a new IdP is a new adapter here, nothing else in the engine changes. */
import type { SourceConfig } from '../config/schema.js';
import { EntraSource } from './entra/entra-source.js';
import { OktaSource } from './okta/okta-source.js';
import type { Source } from './source.js';

export function createSource(name: string, config: SourceConfig): Source {
  switch (config.type) {
    case 'entra':
      return new EntraSource(name, config);
    case 'okta':
      return new OktaSource(name, config);
  }
}
