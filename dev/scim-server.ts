import { closeOnSignals, intArg, isEntryModule, parseArgs } from './cli.js';
import { startScimServer } from './scim-server/server.js';

export { startScimServer } from './scim-server/server.js';
export type {
  ScimChaosOptions,
  ScimChaosStats,
  ScimExtensionSpec,
  ScimFault,
  ScimRequestLogEntry,
  ScimAppProfile,
  ScimResource,
  ScimServer,
  ScimServerOptions,
} from './scim-server/server.js';
export { ENTERPRISE_USER, FLIP_EXTENSIONS } from './scim-server/extensions.js';

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const token = args.get('token');
  if (!token) throw new Error('--token is required');
  const basePath = args.get('base-path');
  const server = await startScimServer({
    port: intArg(args, 'port', 0),
    token,
    ...(basePath === undefined ? {} : { basePath }),
  });
  closeOnSignals(() => server.close());
  process.stdout.write(`${JSON.stringify({ url: server.url, adminUrl: server.adminUrl })}\n`);
}

if (isEntryModule(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
