/**
 * The seed directory: 36 Entra users as a real tenant has them — accents, apostrophes and double
 * quotes, emoji, a CJK name, mixed-case mail, a disabled user, a service account without mail —
 * and the groups each example provisions, nested groups included.
 */
import type { GraphFake } from '../../../dev/graph-fake.js';

/** [key, givenName, surname]; the key is the local part of the UPN. */
const PEOPLE: readonly (readonly [string, string, string])[] = [
  ['jose.alvarez', 'José', 'Álvarez'],
  ['zoe.muller', 'Zoë', 'Müller'],
  ['siobhan.obrien', 'Siobhán', "O'Brien"],
  ['dwayne.johnson', 'Dwayne "Rocky"', 'Johnson'],
  ['ana.lima', 'Ana 🚀', 'Lima'],
  ['lukasz.zolc', 'Łukasz', 'Żółć'],
  ['francois.lefevre', 'François', 'Lefèvre'],
  ['bjorn.angstrom', 'Björn', 'Ångström'],
  ['renee.darcy', 'Renée', "D'Arcy"],
  ['lei.li', '雷', '李'],
  ['nuno.pena', 'Nuño', 'Peña'],
  ['chloe.dubois', 'Chloé', 'Dubois'],
  ['soren.kierkegaard', 'Søren', 'Kierkegaard'],
  ['ines.garcia', 'Inés', 'García'],
  ['mateo.rossi', 'Mateo', 'Rossi'],
  ['aoife.nic', 'Aoife', 'Nic Giolla Phádraig'],
  ['oskar.nowak', 'Oskar', 'Nowak'],
  ['emma.schmidt', 'Emma', 'Schmidt'],
  ['liam.smith', 'Liam', 'Smith'],
  ['noah.jones', 'Noah', 'Jones'],
  ['mia.weber', 'Mia', 'Weber'],
  ['lucas.martin', 'Lucas', 'Martin'],
  ['sofia.bianchi', 'Sofía', 'Bianchi'],
  ['elif.yilmaz', 'Elif', 'Yılmaz'],
  ['kofi.mensah', 'Kofi', 'Mensah'],
  ['priya.sharma', 'Priya', 'Sharma'],
  ['hana.novak', 'Hana', 'Novák'],
  ['tomas.horvath', 'Tomáš', 'Horváth'],
  ['maja.lind', 'Maja', 'Lind'],
  ['olga.ivanova', 'Ольга', 'Иванова'],
  ['jan.devries', 'Jan', 'de Vries'],
  ['eva.kovac', 'Eva', 'Kovač'],
  ['pierre.roux', 'Pierre', 'Roux'],
  ['yuki.tanaka', 'Yuki', 'Tanaka'],
];

export const DOMAIN = 'contoso.example';
export const DISABLED = 'dana.disabled';
export const SERVICE_ACCOUNT = 'svc-backup';
/** A department that breaks naively built JSON: double quotes, a backslash, an ampersand, an emoji. */
export const TRICKY_DEPARTMENT = 'R&D "Core" \\ Tools 🚀';

const CITIES = ['Köln', 'São Paulo', 'Berlin', "L'Aquila", 'Zürich'];

export interface SeedIds {
  /** Entra object id by UPN local part. */
  readonly users: Readonly<Record<string, string>>;
  /** Entra object id by group display name. */
  readonly groups: Readonly<Record<string, string>>;
  /** The enterprise apps' application (client) ids, as admins copy them into scope.app. */
  readonly flowConnectAppId: string;
  readonly platformAppId: string;
  readonly flowConnectApp: string;
  readonly platformApp: string;
}

export const upn = (key: string): string => `${key}@${DOMAIN}`;
/** The mail address as Entra holds it: capitalised, so case-insensitive matching is exercised. */
export const mailOf = (key: string): string => `${key.replace(/(^|\.)(\w)/g, (_m, dot: string, c: string) => dot + c.toUpperCase())}@Contoso.example`;

export function seedDirectory(graph: GraphFake): SeedIds {
  const users: Record<string, string> = {};
  PEOPLE.forEach(([key, givenName, surname], i) => {
    users[key] = graph.upsertUser({
      userPrincipalName: upn(key),
      mail: mailOf(key),
      givenName,
      surname,
      displayName: `${givenName} ${surname}`,
      department: key === 'dwayne.johnson' ? TRICKY_DEPARTMENT : i % 2 === 0 ? 'Engineering' : 'Sales & Marketing',
      city: CITIES[i % CITIES.length],
      jobTitle: i % 3 === 0 ? 'Engineer' : 'Account "Key" Manager',
      mobilePhone: `+49 151 ${String(1000 + i)}`,
      businessPhones: [`+49 30 ${String(5000 + i)}`, '+49 30 9999'],
      streetAddress: `Straße ${i + 1}`,
      state: 'BE',
      postalCode: `10${String(100 + i)}`,
      country: 'DE',
    });
  });
  users[DISABLED] = graph.upsertUser({ userPrincipalName: upn(DISABLED), mail: mailOf(DISABLED), givenName: 'Dana', surname: 'Disabled', displayName: 'Dana Disabled', accountEnabled: false });
  users[SERVICE_ACCOUNT] = graph.upsertUser({ userPrincipalName: upn(SERVICE_ACCOUNT), displayName: 'Backup service' });

  const keys = PEOPLE.map(([key]) => key);
  const ids = (slice: readonly string[]) => slice.map((key) => users[key] as string);
  const groups: Record<string, string> = {};
  const group = (displayName: string, members: string[]) => (groups[displayName] = graph.upsertGroup({ displayName, members }));

  // Flagsmith: two permission groups, one with a nested team and the service account.
  group('Flagsmith Admins', ids([...keys.slice(0, 3), DISABLED]));
  group('Mobile team', ids(keys.slice(9, 11)));
  group('Flagsmith Developers', [...ids([...keys.slice(3, 9), SERVICE_ACCOUNT]), groups['Mobile team'] as string]);

  // Flip: a pilot of 35 (30 direct, 4 through a nested group, the service account) and a disabled user.
  group('Flip users Berlin', ids(keys.slice(30, 34)));
  group('Flip users', [...ids([...keys.slice(0, 30), SERVICE_ACCOUNT, DISABLED]), groups['Flip users Berlin'] as string]);

  // Flow Connect: two groups and one user assigned to the enterprise app.
  group('Sales Nordics', ids(keys.slice(8, 10)));
  group('Flow Connect Sales', [...ids(keys.slice(0, 8)), groups['Sales Nordics'] as string]);
  group('Flow Connect Support', ids(keys.slice(10, 15)));
  const flowConnectAppId = 'f10c0000-0000-4000-8000-000000000001';
  const flowConnectApp = graph.upsertServicePrincipal({ appId: flowConnectAppId, displayName: 'Flow Connect SCIM 2.0' });
  for (const principal of [groups['Flow Connect Sales'], groups['Flow Connect Support'], users[keys[15] as string]]) graph.assignToServicePrincipal(flowConnectApp, principal as string);

  // The generic platform: three groups assigned to its app, synced as roles.
  group('Platform Editors Berlin', ids(keys.slice(8, 10)));
  group('Platform Admins', ids(keys.slice(0, 2)));
  group('Platform Editors', [...ids(keys.slice(2, 8)), groups['Platform Editors Berlin'] as string]);
  group('Platform Viewers', ids([...keys.slice(20, 24), DISABLED]));
  const platformAppId = '9a1f0000-0000-4000-8000-000000000002';
  const platformApp = graph.upsertServicePrincipal({ appId: platformAppId, displayName: 'Platform' });
  for (const name of ['Platform Admins', 'Platform Editors', 'Platform Viewers']) graph.assignToServicePrincipal(platformApp, groups[name] as string);

  return { users, groups, flowConnectAppId, platformAppId, flowConnectApp, platformApp };
}

export const PEOPLE_KEYS = PEOPLE.map(([key]) => key);
