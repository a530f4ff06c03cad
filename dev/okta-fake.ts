import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { closeOnSignals, intArg, isEntryModule, parseArgs } from './cli.js';
import type { AppInput, GroupInput, OktaFake, UserInput } from './okta-fake/server.js';
import { startOktaFake } from './okta-fake/server.js';

export { startOktaFake } from './okta-fake/server.js';
export type {
  AppInput,
  FailOptions,
  ForbidOptions,
  GroupInput,
  MalformedListing,
  MalformPageOptions,
  OktaFake,
  OktaFakeOptions,
  OktaFakeRequest,
  OktaFakeStats,
  Profile,
  RateLimitOptions,
  ServiceAppOptions,
  ThrottleOptions,
  UserInput,
  UserStatus,
} from './okta-fake/server.js';

/** Contents of a `--seed` file. Group members and app assignments name users by login or id, groups by name or id. */
export interface OktaSeed {
  users?: UserInput[];
  groups?: (Omit<GroupInput, 'members'> & { members?: string[] })[];
  apps?: (Omit<AppInput, 'users' | 'groups'> & { users?: string[]; groups?: string[] })[];
}

/** `count` plausible users (user00001@example.com …), for demos and volume tests. */
export function generateOktaUsers(count: number, domain = 'example.com'): UserInput[] {
  return Array.from({ length: count }, (_, i) => {
    const n = String(i + 1).padStart(5, '0');
    return {
      profile: {
        login: `user${n}@${domain}`,
        email: `user${n}@${domain}`,
        firstName: 'User',
        lastName: n,
        displayName: `User ${n}`,
        title: i % 3 === 0 ? 'Engineer' : 'Analyst',
        department: i % 2 === 0 ? 'R&D' : 'Sales',
        employeeNumber: `E${n}`,
      },
    };
  });
}

/** Loads a seed into the fake, resolving logins and group names to ids. */
export function applySeed(fake: OktaFake, seed: OktaSeed): void {
  const userIds = new Map<string, string>();
  for (const user of seed.users ?? []) {
    const id = fake.createUser(user);
    userIds.set(user.profile.login.toLowerCase(), id);
  }
  const userId = (ref: string): string => userIds.get(ref.toLowerCase()) ?? ref;
  const groupIds = new Map<string, string>();
  for (const group of seed.groups ?? []) {
    groupIds.set(group.name, fake.createGroup({ ...group, members: (group.members ?? []).map(userId) }));
  }
  for (const app of seed.apps ?? []) {
    fake.createApp({ ...app, users: (app.users ?? []).map(userId), groups: (app.groups ?? []).map((g) => groupIds.get(g) ?? g) });
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const token = args.get('token') ?? randomBytes(21).toString('base64url');
  const rateLimit = args.has('rate-limit') ? intArg(args, 'rate-limit', 600) : undefined;
  const fake = await startOktaFake({
    tokens: [token],
    port: intArg(args, 'port', 0),
    ...(rateLimit === undefined ? {} : { rateLimit: { limit: rateLimit } }),
  });
  const seedPath = args.get('seed');
  applySeed(fake, seedPath ? (JSON.parse(readFileSync(seedPath, 'utf8')) as OktaSeed) : {});
  for (const user of generateOktaUsers(intArg(args, 'users', 0))) fake.createUser(user);

  closeOnSignals(() => fake.close());
  process.stdout.write(`${JSON.stringify({ orgUrl: fake.orgUrl, adminUrl: fake.adminUrl, token })}\n`);
}

if (isEntryModule(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
