// Runs provisiond's EntraSource (from dist/, so `npm run build` first) in a child process and
// answers one JSON command per stdin line with one JSON line on stdout. A child process because
// the Graph fake's certificate can reach the SDKs' TLS stacks only through NODE_EXTRA_CA_CERTS,
// which Node reads at startup (see test/dev/graph-sdk-client.mjs).
//
// argv[2]: JSON { root, config } — the repo root and the entra source config (schema defaults applied here).
// stdin:  {"id":1,"op":"resolveAppAssignments","args":["<appRef>"],"config":{overrides}}
// stdout: {"id":1,"ok":true,"value":…} or {"id":1,"ok":false,"error":{"name","message","status"}}
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';

const { root, config } = JSON.parse(process.argv[2]);
const load = (path) => import(pathToFileURL(`${root}/dist/${path}`).href);
const { EntraSource } = await load('sources/entra/entra-source.js');
const { sourceSchema } = await load('config/schema.js');

const sources = new Map();
/** Reads a test left part-way (readFirstUsersPage): kept so they are not collected mid-read. */
const held = [];
function sourceFor(overrides = {}) {
  const key = JSON.stringify(overrides);
  if (!sources.has(key)) sources.set(key, new EntraSource('corp', sourceSchema.parse({ ...config, ...overrides })));
  return sources.get(key);
}

async function collect(iterable) {
  const pages = [];
  for await (const page of iterable) pages.push(page);
  return pages;
}

const operations = {
  readUsers: async (source, [attributes]) => (await collect(source.readUsers({ attributes }))).flat(),
  // Takes the first page and holds the read there, as an engine busy with that page would.
  readFirstUsersPage: async (source, [attributes]) => {
    const pages = source.readUsers({ attributes })[Symbol.asyncIterator]();
    const first = await pages.next();
    held.push(pages);
    return first.value ?? [];
  },
  readGroups: async (source, [selection, attributes]) => (await collect(source.readGroups(selection, { attributes }))).flat(),
  readGroupPages: async (source, [selection, attributes]) => {
    const rejected = [];
    const pages = await collect(source.readGroups(selection, { attributes, onRejected: (r) => rejected.push(r) }));
    return { pages, rejected };
  },
  groupChangeCursor: (source, [selection, attributes]) => source.groupChangeCursor(selection, { attributes }),
  readGroupChanges: async (source, [selection, attributes, cursor]) => {
    const read = source.readGroupChanges(selection, { attributes }, cursor);
    const pages = await collect(read.pages);
    return { pages, nextCursor: read.nextCursor() };
  },
  resolveGroupMembers: async (source, [ref]) => [...(await source.resolveGroupMembers(ref))],
  groupsOfUser: async (source, [userId]) => [...(await source.groupsOfUser(userId))],
  resolveAppAssignments: async (source, [ref]) => [...(await source.resolveAppAssignments(ref))],
  resolveAppGroups: (source, [ref]) => source.resolveAppGroups(ref),
  readAppRoleAssignments: async (source, [ref]) => {
    const read = await source.readAppRoleAssignments(ref);
    return { users: [...read.users], roles: Object.fromEntries(read.roles) };
  },
  changeCursor: (source, [attributes]) => source.changeCursor({ attributes }),
  readUserChanges: async (source, [attributes, cursor]) => {
    const read = source.readUserChanges({ attributes }, cursor);
    const pages = await collect(read.pages);
    return { pages, nextCursor: read.nextCursor() };
  },
  stats: async (source) => source.stats(),
  // The same reads with an onRejected that collects what the source refused to believe.
  readUsersReporting: (source, [attributes]) =>
    reporting(async (onRejected) => (await collect(source.readUsers({ attributes, onRejected }))).flat()),
  readGroupsReporting: (source, [selection, attributes]) =>
    reporting(async (onRejected) => (await collect(source.readGroups(selection, { attributes, onRejected }))).flat()),
  readUserChangesReporting: (source, [attributes, cursor]) =>
    reporting(async (onRejected) => {
      const read = source.readUserChanges({ attributes, onRejected }, cursor);
      const pages = await collect(read.pages);
      return { pages, nextCursor: read.nextCursor() };
    }),
  readUserReporting: (source, [idOrUserName, attributes]) =>
    reporting(async (onRejected) => (await source.readUser(idOrUserName, { attributes, onRejected })) ?? null),
};

async function reporting(read) {
  const rejected = [];
  const value = await read((object) => rejected.push(object));
  return { value, rejected };
}

for await (const line of createInterface({ input: process.stdin })) {
  const { id, op, args = [], config: overrides } = JSON.parse(line);
  let answer;
  try {
    answer = { id, ok: true, value: await operations[op](sourceFor(overrides), args) };
  } catch (error) {
    answer = { id, ok: false, error: { name: error?.name, message: String(error?.message ?? error), status: error?.status } };
  }
  process.stdout.write(`${JSON.stringify(answer)}\n`);
}
// SDK keep-alive sockets would otherwise hold the process open for a while.
process.exit(0);
