import type { Command } from 'commander';
import { EXIT } from '../exit.js';
import { selectJobs } from '../jobs.js';
import type { GlobalOptions } from '../load.js';

/** Reads one user from the IdP and shows the SCIM requests provisiond would send for it. Sends nothing. */
export function registerPreview(program: Command): void {
  program
    .command('preview')
    .description('read one user from the source and print the SCIM resource provisiond would send on create and on update (sends nothing)')
    .option('--job <name>', 'the job whose scope and mappings apply (required)')
    .option('--user <id or userName>', 'source object id, or sign-in name (userPrincipalName / Okta login) (required)')
    .action(async (options: { job?: string; user?: string }, command: Command) => {
      // --job and --user are also root options (for --sync-now), and commander gives them to whichever parses them first.
      const globals = command.optsWithGlobals<GlobalOptions & { user?: string }>();
      const jobName = options.job ?? globals.job;
      if (!jobName) command.error("error: required option '--job <name>' not specified", { exitCode: EXIT.config });
      const userRef = options.user ?? globals.user;
      if (!userRef) command.error("error: required option '--user <id or userName>' not specified", { exitCode: EXIT.config });
      const { loadOrExit } = await import('../load.js'); // the config schema (zod, yaml) loads only when a command reads a config
      const loaded = loadOrExit(globals.config);
      const [job] = selectJobs(loaded, jobName);
      if (!job) return;
      // Loaded here, not at the top: --help and the other commands must not pay for the engine and the SDKs.
      const [{ compileUserScope }, { scopeMembers, withAppRoles }, { previewUser }, { realEnvironment }, { createSource }, { StateStore }] = await Promise.all([
        import('../../engine/scope.js'),
        import('../../engine/user-read.js'),
        import('../../engine/preview.js'),
        import('../../mapping/map.js'),
        import('../../sources/index.js'),
        import('../../state/store.js'),
      ]);
      const source = await createSource(job.config.source, loaded.config.sources[job.config.source]!);
      const matchSources = job.config.users.match.map((r) => r.source);
      const filters = job.config.scope.filters;
      const read = await source.readUser(userRef, { attributes: [...job.users.sourceAttributes, ...filters.map((f) => f.attribute), ...matchSources] });
      if (!read) {
        process.stderr.write(`source "${job.config.source}" has no user "${userRef}"
`);
        process.exitCode = EXIT.failed;
        return;
      }
      // Scope groups and app assignments as a cycle reads them; the app roles come with the assignments.
      const members = await scopeMembers(job, source, undefined, (rejected) => process.stderr.write(`warning: ${rejected.label}: ${rejected.error}\n`));
      const user = withAppRoles(read, members.roles);
      const status = compileUserScope(filters, members.ids).classify(user);
      const store = StateStore.open(loaded.config.state.path);
      const link = store.link(job.config.name, 'user', user.id);
      // The manager is sent as the id it has in the app, when the job provisioned it.
      const resolve = (sourceId: string) => {
        const referenced = store.link(job.config.name, 'user', sourceId);
        return referenced?.state === 'active' ? referenced.targetId : undefined;
      };
      const preview = previewUser(user, status, job, link, realEnvironment, resolve);
      store.close();
      const out: string[] = [`user ${user.id}: ${status === 'active' ? 'in scope' : `not provisioned (${status}; IsSoftDeleted = True)`}`];
      if (preview.error) out.push(`mapping error: ${preview.error}`);
      if (preview.create) out.push(`\nPOST /Users\n${JSON.stringify(preview.create, null, 2)}`);
      for (const reference of preview.pendingReferences ?? []) {
        out.push(`\n${reference.path}: not sent: user ${reference.refSourceId} is not provisioned in the app; set by the cycle that provisions it`);
      }
      if (preview.linkedTo) {
        out.push(preview.update ? `\nPATCH /Users/${preview.linkedTo}\n${JSON.stringify(preview.update, null, 2)}` : `\nlinked to ${preview.linkedTo}: in sync, no update would be sent`);
      } else {
        out.push('\nnot linked yet: the next cycle looks it up by the match rules, then creates it');
      }
      process.stdout.write(`${out.join('\n')}\n`);
      if (preview.error) process.exitCode = EXIT.failed;
    });
}
