/**
 * Loading the config: YAML → secret substitution → zod schema → cross-references and mapping
 * compilation. Any issue stops start-up with the file, the key path and the fix.
 */
import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument } from 'yaml';
import { compileMappings, MappingConfigError, type MappingSet } from '../mapping/map.js';
import { APP_ROLES_ATTRIBUTE, readsAppRoles } from '../mapping/roles.js';
import { ConfigError, type ConfigIssue } from './errors.js';
import { lineOfPath } from './locate.js';
import { configSchema, type Config, type JobConfig, type OktaSourceConfig } from './schema.js';
import { scopeFilterIssues } from './scope-filters.js';
import { processContext, substituteReferences, type SubstitutionContext } from './secrets.js';
import { checkSourceAttributes, type AttributeCheckOptions } from './source-attributes.js';
import { describeZodIssues } from './zod-issues.js';

export interface PreparedJob {
  readonly config: JobConfig;
  readonly users: MappingSet;
  /** Undefined when the job provisions no groups. */
  readonly groups?: MappingSet;
}

export interface LoadedConfig {
  readonly file: string;
  readonly config: Config;
  readonly jobs: readonly PreparedJob[];
  /** What may fail at run time but cannot be told offline (an Okta attribute that may be a custom one). */
  readonly warnings?: readonly ConfigIssue[];
}

export interface ParseOptions {
  /** What `validate --online` read of the IdPs, for checks that need it. */
  readonly attributes?: AttributeCheckOptions;
}

export function loadConfigFile(file: string, context: SubstitutionContext = processContext, options: ParseOptions = {}): LoadedConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const hint = code === 'ENOENT' ? 'file not found; pass --config PATH or set PROVISIOND_CONFIG' : `cannot read it (${code})`;
    throw new ConfigError(file, [{ path: [], message: hint }]);
  }
  return parseConfig(text, file, context, options);
}

export function parseConfig(text: string, file: string, context: SubstitutionContext = processContext, options: ParseOptions = {}): LoadedConfig {
  const lines = new LineCounter();
  const document = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
  if (document.errors.length > 0) {
    throw new ConfigError(
      file,
      // One syntax error cascades into many; the first few point at the cause.
      document.errors.slice(0, 3).map((e) => ({
        path: [],
        line: e.linePos?.[0]?.line,
        message: `YAML syntax: ${e.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '')}`,
      })),
    );
  }
  // In file order, so the first error an admin reads is the first one in the file.
  const locate = (issues: readonly ConfigIssue[]) =>
    issues
      .map((i) => ({ ...i, line: i.line ?? lineOfPath(document, lines, i.path) }))
      .sort((a, b) => (a.line ?? Number.MAX_SAFE_INTEGER) - (b.line ?? Number.MAX_SAFE_INTEGER));

  const substituted = substituteReferences(document.toJS(), context);
  if (substituted.issues.length > 0) throw new ConfigError(file, locate(substituted.issues));

  // reportInput: a wrong type is reported with the value seen, not as a missing key.
  const parsed = configSchema.safeParse(substituted.value, { reportInput: true });
  if (!parsed.success) throw new ConfigError(file, locate(describeZodIssues(parsed.error.issues, substituted.value)));

  const config = parsed.data;
  const issues: ConfigIssue[] = [];
  const jobs: PreparedJob[] = [];
  const names = new Set<string>();
  config.jobs.forEach((job, index) => {
    if (names.has(job.name)) issues.push({ path: ['jobs', index, 'name'], message: `job name "${job.name}" is used twice; names must be unique` });
    names.add(job.name);
    if (!(job.source in config.sources)) {
      const known = Object.keys(config.sources);
      issues.push({
        path: ['jobs', index, 'source'],
        message: `no source named "${job.source}"; define it under "sources"${known.length ? ` (known: ${known.join(', ')})` : ''}`,
      });
    }
    const compile = (section: 'users' | 'groups', build: () => MappingSet): MappingSet | undefined => {
      try {
        return build();
      } catch (error) {
        if (!(error instanceof MappingConfigError)) throw error;
        issues.push({
          path: error.index < 0 ? ['jobs', index, section, 'customJson'] : ['jobs', index, section, 'mappings', error.index, error.field],
          message: error.message,
        });
        return undefined;
      }
    };
    issues.push(...scopeFilterIssues(job, index));
    const users = compile('users', () => compileMappings(job.users.mappings, { customJson: job.users.customJson }));
    if (users && readsAppRoles(users.sourceAttributes)) issues.push(...appRoleIssues(job, config.sources[job.source]?.type, index));
    const groupsConfig = job.groups;
    const groups = groupsConfig === false ? undefined : compile('groups', () => compileMappings(groupsConfig.mappings, { resource: 'group' }));
    if (users && (groupsConfig === false || groups)) jobs.push({ config: job, users, groups });
  });
  for (const [name, source] of Object.entries(config.sources)) {
    if (source.type === 'entra' && (source.clientSecret === undefined) === (source.certificatePath === undefined)) {
      issues.push({ path: ['sources', name], message: 'set exactly one of "clientSecret" or "certificatePath"' });
    }
    if (source.type === 'okta') issues.push(...oktaAuthIssues(name, source));
  }
  const attributes = checkSourceAttributes(config.jobs, config.sources, options.attributes);
  issues.push(...attributes.errors);
  if (issues.length > 0) throw new ConfigError(file, locate(issues));
  return { file, config, jobs, warnings: locate(attributes.warnings) };
}

/** Okta takes an API token or an OAuth service app (clientId + privateKeyPath), never both or half of one. */
/** App roles come with the app's assignments, which only an Entra job scoped by app reads (as in Entra: not with "sync all users"). */
function appRoleIssues(job: { scope: { app?: string } }, sourceType: string | undefined, index: number): ConfigIssue[] {
  if (sourceType !== undefined && sourceType !== 'entra') {
    return [{ path: ['jobs', index, 'users', 'mappings'], message: `${APP_ROLES_ATTRIBUTE} are Entra app roles; ${sourceType} sources have none (map roles from a profile attribute instead)` }];
  }
  if (job.scope.app === undefined) {
    return [{ path: ['jobs', index, 'scope'], message: `the mappings read ${APP_ROLES_ATTRIBUTE}: set scope.app to the enterprise app whose role assignments they come from` }];
  }
  return [];
}

function oktaAuthIssues(name: string, source: OktaSourceConfig): ConfigIssue[] {
  const path = ['sources', name];
  const oauth = source.clientId !== undefined || source.privateKeyPath !== undefined;
  if ((source.token !== undefined) === oauth) {
    return [{ path, message: 'set exactly one of "token" (API token) or "clientId" + "privateKeyPath" (OAuth service app)' }];
  }
  if (oauth && (source.clientId === undefined || source.privateKeyPath === undefined)) {
    return [{ path, message: `OAuth needs both "clientId" and "privateKeyPath"; "${source.clientId === undefined ? 'clientId' : 'privateKeyPath'}" is missing` }];
  }
  if (!oauth && (source.keyId !== undefined || source.scopes !== undefined)) {
    return [{ path, message: '"keyId" and "scopes" apply only to OAuth ("clientId" + "privateKeyPath"); remove them when using "token"' }];
  }
  return [];
}
