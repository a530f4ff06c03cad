/** Okta sources configured as an admin would, against the loopback fake. */
import { sourceSchema, type OktaSourceConfig } from '../../../src/config/schema.js';
import type { OktaFake } from '../../../dev/okta-fake.js';
import type { SourceUser, UserQuery } from '../../../src/sources/source.js';

export const TOKEN = 'okta-test-token-3b9f1e';
export const QUERY: UserQuery = { attributes: [] };

/** The config as the schema parses it (defaults applied), for a source reading `fake`. */
export function oktaConfig(fake: OktaFake, overrides: Record<string, unknown> = {}): OktaSourceConfig {
  const parsed = sourceSchema.parse({ type: 'okta', orgUrl: fake.orgUrl, token: TOKEN, ...overrides });
  if (parsed.type !== 'okta') throw new Error('expected an okta source');
  return parsed;
}

export async function readAll(pages: AsyncIterable<readonly SourceUser[]>): Promise<SourceUser[]> {
  const users: SourceUser[] = [];
  for await (const page of pages) users.push(...page);
  return users;
}
