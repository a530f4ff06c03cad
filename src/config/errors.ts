/** One problem in the config, located by its key path (e.g. ["jobs", 0, "users", "mappings", 3, "target"]). */
export interface ConfigIssue {
  readonly path: readonly PropertyKey[];
  readonly message: string;
  /** 1-based line in the file, when known. */
  readonly line?: number;
}

/** Renders a key path the way admins read YAML: jobs[0].users.mappings[3].target */
export function formatKeyPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out === '' ? '(top level)' : out;
}

/** file:line: key.path: message */
export function formatIssue(file: string, issue: ConfigIssue): string {
  return `${file}${issue.line ? `:${issue.line}` : ''}: ${formatKeyPath(issue.path)}: ${issue.message}`;
}

/** The config cannot be used. The message lists every issue; it never contains a secret's value. */
export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly issues: readonly ConfigIssue[],
  ) {
    super(
      `invalid config ${file}:\n` +
        issues.map((i) => `  - ${formatIssue(file, i)}`).join('\n'),
    );
    this.name = 'ConfigError';
  }
}
