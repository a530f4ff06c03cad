/**
 * `validate --online`: Entra's "Test connection", telling the admin more. Each source is signed in
 * to and one page of users is read with exactly the attributes the jobs select (Graph refuses an
 * unknown one); Okta's user schema is read for the custom attributes the offline check cannot
 * know. Each target's ServiceProviderConfig and Schemas are read and checked against the job.
 * Only GET requests are sent: nothing is written anywhere, and the state database is not opened.
 */
import type { LoadedConfig, PreparedJob } from '../config/load.js';
import { formatIssue } from '../config/errors.js';
import type { OktaOrgSchema } from '../config/source-attributes.js';
import { describeSupport, missingFeatures, schemasAnswerSchema, serviceProviderConfigSchema, undeclaredTargets, type ScimSchemas } from '../scim/discovery.js';
import { ScimClient } from '../scim/client.js';
import { ScimRequestError } from '../scim/errors.js';
import { createSource } from '../sources/index.js';

export interface OnlineReport {
  readonly lines: string[];
  /** A source or target could not be read: exit 1. */
  readonly failed: boolean;
  /** The Okta org schemas read, by source name: the config is checked again with them. */
  readonly oktaSchemas: ReadonlyMap<string, OktaOrgSchema>;
}

export async function checkOnline(loaded: LoadedConfig): Promise<OnlineReport> {
  const lines: string[] = [];
  let failed = false;
  const oktaSchemas = new Map<string, OktaOrgSchema>();

  for (const [name, config] of Object.entries(loaded.config.sources)) {
    const jobs = loaded.jobs.filter((j) => j.config.source === name);
    if (jobs.length === 0) {
      lines.push(`source ${name} (${config.type}): not used by any job; not checked`);
      continue;
    }
    const attributes = [...new Set(jobs.flatMap(userAttributesOf))];
    try {
      const source = await createSource(name, config);
      let rejected = 0;
      let users = 0;
      for await (const page of source.readUsers({ attributes, onRejected: () => rejected++ })) {
        users = page.length;
        break; // one page proves the credentials, the permissions and the attribute names
      }
      lines.push(`source ${name} (${config.type}): signed in and read ${users} user(s), ${attributes.length} attribute(s) selected${rejected > 0 ? `; ${rejected} user(s) in that page could not be believed` : ''}`);
      if (config.type === 'okta') {
        const { OktaSource } = await import('../sources/okta/okta-source.js');
        if (source instanceof OktaSource) {
          try {
            const custom = await source.readCustomUserAttributes();
            oktaSchemas.set(name, { customUserAttributes: custom });
            lines.push(`  user schema: ${custom.length} custom attribute(s)${custom.length > 0 ? `: ${custom.join(', ')}` : ''}`);
          } catch (error) {
            lines.push(`  warning: ${messageOf(error)}; custom attributes stay unchecked`);
          }
        }
      }
    } catch (error) {
      failed = true;
      lines.push(`source ${name} (${config.type}): FAILED: ${messageOf(error)}`);
    }
  }

  for (const job of loaded.jobs) {
    const result = await checkTarget(loaded, job);
    failed ||= result.failed;
    lines.push(...result.lines);
  }
  return { lines, failed, oktaSchemas };
}

function userAttributesOf(job: PreparedJob): string[] {
  return [...job.users.sourceAttributes, ...job.config.users.match.map((m) => m.source), ...job.config.scope.filters.map((f) => f.attribute)].filter(
    (name) => name.toLowerCase() !== 'issoftdeleted',
  );
}

async function checkTarget(loaded: LoadedConfig, job: PreparedJob): Promise<{ lines: string[]; failed: boolean }> {
  const target = job.config.target;
  const index = loaded.config.jobs.indexOf(job.config);
  const lines = [`job ${job.config.name}: ${target.url}`];
  const client = new ScimClient({ baseUrl: target.url, token: target.token, concurrency: 1, timeoutMs: target.timeout, maxRetries: target.maxRetries });
  try {
    const answer = await client.request('GET', '/ServiceProviderConfig');
    const config = serviceProviderConfigSchema.safeParse(answer.body);
    if (!config.success) {
      const issue = config.error.issues[0];
      return { lines: [...lines, `  FAILED: the app's /ServiceProviderConfig is not what RFC 7643 §5 describes (${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'malformed'})`], failed: true };
    }
    lines.push(`  supports: ${describeSupport(config.data)}`);
    for (const missing of missingFeatures(config.data)) lines.push(`  warning: ${missing}`);

    const schemas = await readSchemas(client);
    if (schemas === undefined) {
      lines.push('  schemas: /Schemas not offered; mapped attributes not checked');
    } else if (typeof schemas === 'string') {
      lines.push(`  warning: ${schemas}; mapped attributes not checked`);
    } else {
      lines.push(`  schemas: ${schemas.map((s) => s.id).join(', ')}`);
      const undeclared = [
        ...undeclaredTargets(job.users, 'user', schemas).map((u) => ({ section: 'users', ...u })),
        ...(job.groups ? undeclaredTargets(job.groups, 'group', schemas).map((u) => ({ section: 'groups', ...u })) : []),
      ];
      for (const { section, path, mapping } of undeclared) {
        const keyPath = mapping === undefined ? ['jobs', index, section, 'customJson'] : ['jobs', index, section, 'mappings', mapping, 'target'];
        lines.push(`  warning: ${formatIssue(loaded.file, { path: keyPath, message: `"${path}" is not declared by the app's schemas (an app may accept more than it declares)` })}`);
      }
    }
    return { lines, failed: false };
  } catch (error) {
    return { lines: [...lines, `  FAILED: ${messageOf(error)}`], failed: true };
  } finally {
    await client.close();
  }
}

/** The app's schemas; undefined when it does not offer /Schemas (404, 501), a string when the answer cannot be believed. */
async function readSchemas(client: ScimClient): Promise<ScimSchemas | string | undefined> {
  try {
    const answer = await client.request('GET', '/Schemas');
    const parsed = schemasAnswerSchema.safeParse(answer.body);
    if (!parsed.success) return `the app's /Schemas is not a list of RFC 7643 §7 schemas (${parsed.error.issues[0]?.message ?? 'malformed'})`;
    return parsed.data;
  } catch (error) {
    if (error instanceof ScimRequestError && (error.status === 404 || error.status === 501)) return undefined;
    throw error;
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
