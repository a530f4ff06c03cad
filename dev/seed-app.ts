/**
 * An app emulator as a process: the dev SCIM server with one app's rules (dev/emulators/).
 *   node dist-dev/dev/seed-app.js --app flagsmith --token T [--port 0]
 * prints {"url", "adminUrl", "app"}; url is the SCIM base URL as the app's guide writes it.
 */
import { closeOnSignals, intArg, isEntryModule, parseArgs } from './cli.js';
import { emulator } from './emulators/index.js';
import { startScimServer } from './scim-server/server.js';

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const token = args.get('token');
  if (!token) throw new Error('--token is required');
  const profile = emulator(args.get('app') ?? '');
  const server = await startScimServer({ port: intArg(args, 'port', 0), token, profile });
  closeOnSignals(() => server.close());
  process.stdout.write(`${JSON.stringify({ url: server.url, adminUrl: server.adminUrl, app: profile.name })}\n`);
}

if (isEntryModule(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
