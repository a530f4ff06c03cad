import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeOnSignals, intArg, isEntryModule, parseArgs } from './cli.js';
import type { GroupInput, UserInput } from './graph-fake/directory.js';
import type { ServicePrincipalInput } from './graph-fake/service-principals.js';
import { startGraphFake } from './graph-fake/server.js';
import { writeTestCertificate } from './tls.js';

export { startGraphFake } from './graph-fake/server.js';
export type {
  DeltaExpiryOptions,
  FailPageOptions,
  FaultListing,
  GraphFake,
  GraphFakeOptions,
  GraphFakeRequest,
  GraphFakeStats,
  GroupInput,
  MalformedPage,
  MalformPageOptions,
  ServicePrincipalInput,
  ServicePrincipalSnapshot,
  ThrottleOptions,
  UserInput,
} from './graph-fake/server.js';

/** Contents of a `--seed` file. */
export interface GraphSeed {
  users?: UserInput[];
  groups?: GroupInput[];
  /** Users created and then soft-deleted, so they show up under deletedItems. */
  deletedUsers?: UserInput[];
  /** Enterprise apps, with the ids of the users and groups assigned to them. */
  servicePrincipals?: (ServicePrincipalInput & { assignedTo?: string[] })[];
}

/** `count` plausible users (user0001@contoso.example ...), for demos and benchmarks. */
export function generateUsers(count: number, domain = 'contoso.example'): UserInput[] {
  return Array.from({ length: count }, (_, i) => {
    const n = String(i + 1).padStart(4, '0');
    return {
      userPrincipalName: `user${n}@${domain}`,
      mail: `user${n}@${domain}`,
      displayName: `User ${n}`,
      givenName: 'User',
      surname: n,
      mailNickname: `user${n}`,
      jobTitle: i % 3 === 0 ? 'Engineer' : 'Analyst',
      department: i % 2 === 0 ? 'R&D' : 'Sales',
      employeeId: `E${n}`,
    };
  });
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const certDir = args.get('cert-dir') ?? mkdtempSync(join(tmpdir(), 'graph-fake-'));
  const tls = writeTestCertificate(certDir);
  const tenantId = args.get('tenant') ?? randomUUID();
  const clientId = args.get('client-id') ?? randomUUID();
  const clientSecret = args.get('client-secret') ?? 'fake-secret';
  const pageSize = args.has('page-size') ? intArg(args, 'page-size', 100) : undefined;
  const tokenLifetimeSeconds = args.has('token-lifetime') ? intArg(args, 'token-lifetime', 3599) : undefined;
  const fake = await startGraphFake({
    tls,
    tenantId,
    clientId,
    clientSecret,
    port: intArg(args, 'port', 0),
    ...(pageSize === undefined ? {} : { pageSize }),
    ...(tokenLifetimeSeconds === undefined ? {} : { tokenLifetimeSeconds }),
  });

  const seedPath = args.get('seed');
  const seed: GraphSeed = seedPath ? (JSON.parse(readFileSync(seedPath, 'utf8')) as GraphSeed) : {};
  for (const user of [...(seed.users ?? []), ...generateUsers(intArg(args, 'users', 0))]) fake.upsertUser(user);
  for (const user of seed.deletedUsers ?? []) fake.softDeleteUser(fake.upsertUser(user));
  for (const group of seed.groups ?? []) fake.upsertGroup(group);
  for (const { assignedTo = [], ...servicePrincipal } of seed.servicePrincipals ?? []) {
    const id = fake.upsertServicePrincipal(servicePrincipal);
    for (const principalId of assignedTo) fake.assignToServicePrincipal(id, principalId);
  }

  closeOnSignals(() => fake.close());
  process.stdout.write(
    `${JSON.stringify({
      graphUrl: fake.graphUrl,
      graphBaseUrl: fake.graphBaseUrl,
      authorityHost: fake.authorityHost,
      certPath: tls.certPath,
      tenantId,
      clientId,
      adminUrl: `${fake.authorityHost}/_admin`,
    })}\n`,
  );
}

if (isEntryModule(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
