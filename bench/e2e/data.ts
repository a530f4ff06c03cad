/**
 * The benchmark's directory and job: N Entra users with the attributes 14 mappings read, groups
 * of 20, the job config an admin would write, and the SCIM body those mappings make of a user
 * (what the ceiling loop sends, so it sends what provisiond sends).
 */
import { writeFileSync } from 'node:fs';

export const BENCH_DOMAIN = 'bench.example';
export const SCIM_TOKEN_ENV = 'BENCH_SCIM_TOKEN';
export const CLIENT_SECRET_ENV = 'BENCH_ENTRA_SECRET';

const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const DEPARTMENTS = ['Engineering', 'Sales', 'Support', 'Finance', 'Marketing', 'Legal', 'Operations', 'Research', 'HR', 'IT'];
const CITIES: readonly (readonly [string, string])[] = [
  ['Berlin', 'DE'],
  ['Zürich', 'CH'],
  ['Lisbon', 'PT'],
  ['Seattle', 'US'],
  ['Toronto', 'CA'],
];

export type GraphUser = Record<string, string | boolean> & { id: string; userPrincipalName: string };

export function userId(i: number): string {
  return `b0000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;
}

export function groupId(i: number): string {
  return `c0000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;
}

export function graphUser(i: number, domain = BENCH_DOMAIN): GraphUser {
  const n = String(i).padStart(6, '0');
  const [city, country] = CITIES[i % CITIES.length] as readonly [string, string];
  return {
    id: userId(i),
    userPrincipalName: `user${n}@${domain}`,
    mail: `User${n}@${domain.replace(/^./, (c) => c.toUpperCase())}`,
    displayName: `Given${n} Surname${n}`,
    givenName: `Given${n}`,
    surname: `Surname${n}`,
    jobTitle: i % 3 === 0 ? 'Engineer' : 'Analyst',
    department: DEPARTMENTS[i % DEPARTMENTS.length] as string,
    city,
    country,
    mobilePhone: `+1 555 ${n}`,
    employeeId: `E${n}`,
    companyName: 'Contoso',
    accountEnabled: true,
  };
}

export interface GraphSeedFile {
  users: GraphUser[];
  groups: { id: string; displayName: string; members: string[] }[];
}

/** `groups` groups of `membersPerGroup` consecutive users each (wrapping around). */
export function writeSeed(path: string, users: number, groups: number, membersPerGroup = 20): void {
  const seed: GraphSeedFile = {
    users: Array.from({ length: users }, (_, i) => graphUser(i)),
    groups: Array.from({ length: groups }, (_, g) => ({
      id: groupId(g),
      displayName: `Bench group ${String(g).padStart(5, '0')}`,
      members: Array.from({ length: membersPerGroup }, (_, m) => userId((g * membersPerGroup + m) % Math.max(users, 1))),
    })),
  };
  writeFileSync(path, JSON.stringify(seed));
}

/** The 14 mappings: sources, Switch, Join, ToLower, a work email, filtered multi-valued paths, the enterprise extension. */
export const MAPPINGS = [
  { target: 'userName', source: 'userPrincipalName', required: true },
  { target: 'externalId', source: 'objectId' },
  { target: 'active', expression: 'Switch([IsSoftDeleted], , "False", "True", "True", "False")' },
  { target: 'displayName', expression: 'Join(" ", [givenName], [surname])' },
  { target: 'name.givenName', source: 'givenName' },
  { target: 'name.familyName', source: 'surname' },
  { target: 'emails[type eq "work"].value', expression: 'ToLower([mail])' },
  { target: 'title', source: 'jobTitle' },
  { target: 'phoneNumbers[type eq "mobile"].value', source: 'mobilePhone' },
  { target: 'addresses[type eq "work"].locality', source: 'city' },
  { target: 'addresses[type eq "work"].country', source: 'country' },
  { target: `${ENTERPRISE}:department`, source: 'department' },
  { target: `${ENTERPRISE}:employeeNumber`, source: 'employeeId' },
  { target: `${ENTERPRISE}:organization`, source: 'companyName' },
] as const;

/** What MAPPINGS make of a user on create: the body the ceiling loop posts. */
export function createBody(user: GraphUser, userNamePrefix = ''): Record<string, unknown> {
  return {
    schemas: [USER_SCHEMA, ENTERPRISE],
    userName: userNamePrefix + user.userPrincipalName,
    externalId: user.id,
    active: true,
    displayName: `${String(user['givenName'])} ${String(user['surname'])}`,
    name: { givenName: user['givenName'], familyName: user['surname'] },
    emails: [{ type: 'work', value: String(user['mail']).toLowerCase(), primary: true }],
    title: user['jobTitle'],
    phoneNumbers: [{ type: 'mobile', value: user['mobilePhone'] }],
    addresses: [{ type: 'work', locality: user['city'], country: user['country'] }],
    [ENTERPRISE]: { department: user['department'], employeeNumber: user['employeeId'], organization: user['companyName'] },
  };
}

export interface JobConfigInput {
  readonly statePath: string;
  readonly scimUrl: string;
  readonly graph: { tenantId: string; clientId: string; graphUrl: string; authorityHost: string };
  readonly concurrency: number;
  readonly groups: boolean;
}

/** The config file an admin would write, secrets as ${ENV} references. */
export function writeJobConfig(path: string, input: JobConfigInput): void {
  const config = {
    state: { path: input.statePath },
    log: { level: 'info' },
    sources: {
      entra: {
        type: 'entra',
        tenantId: input.graph.tenantId,
        clientId: input.graph.clientId,
        clientSecret: `\${${CLIENT_SECRET_ENV}}`,
        graphUrl: input.graph.graphUrl,
        authorityHost: input.graph.authorityHost,
      },
    },
    jobs: [
      {
        name: 'bench',
        source: 'entra',
        target: { url: input.scimUrl, token: `\${${SCIM_TOKEN_ENV}}`, concurrency: input.concurrency },
        users: { match: [{ target: 'userName', source: 'userPrincipalName' }], mappings: MAPPINGS },
        ...(input.groups ? { groups: { from: 'all' } } : {}),
      },
    ],
  };
  writeFileSync(path, JSON.stringify(config, null, 2));
}
