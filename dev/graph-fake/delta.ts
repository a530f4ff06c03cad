import type { DirectoryEntry, ObjectKind } from './directory.js';
import { contextUrl, requestPath, selectFor, type GraphContext, type GraphRequest } from './context.js';
import { graphError } from './http.js';
import { decodeCursor, encodeCursor, parseSelect } from './odata.js';
import { ODATA_TYPE, parseExpand, project } from './projection.js';
import type { UserEntry } from './directory.js';

export type DeltaKind = ObjectKind;

/**
 * A delta round reports the changes with sequence numbers in (since, upto].
 * `upto` is frozen when the round starts, so the deltaLink it ends with
 * resumes exactly where this round's view stopped; anything that changes
 * mid-round shows up (again) in the next round.
 */
interface DeltaState {
  since: number;
  upto: number;
  select: string[] | undefined;
  members: boolean;
  /** `$expand=manager`: user entries carry `manager@delta` (absent in tokens of older rounds). */
  manager?: boolean;
  afterSeq: number;
  afterId: string;
  /** Faults' token generation when the round was started; an older one is an expired token. */
  generation: number;
  /** 1-based page of the round, for malformPage() rules; absent in tokens of older rounds. */
  page?: number;
}

interface Change {
  seq: number;
  id: string;
  json: Record<string, unknown>;
}

const PATH: Record<DeltaKind, string> = { user: 'users', group: 'groups' };

export function deltaPage(ctx: GraphContext, req: GraphRequest, kind: DeltaKind): Record<string, unknown> {
  const state = startOrResume(ctx, req, kind);
  const pageSize = maxPageSize(req, ctx.pageSize);
  const changes = collectChanges(ctx, kind, state)
    .filter((c) => c.seq > state.afterSeq || (c.seq === state.afterSeq && c.id > state.afterId))
    .sort((a, b) => a.seq - b.seq || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const slice = changes.slice(0, pageSize);

  const base = `${ctx.graphUrl}/${PATH[kind]}/delta`;
  const select = state.select ? [...state.select, ...(state.members ? ['members'] : [])] : undefined;
  const body: Record<string, unknown> = { '@odata.context': contextUrl(ctx, PATH[kind], select) };
  const last = slice[slice.length - 1];
  if (changes.length > slice.length && last) {
    const next: DeltaState = { ...state, afterSeq: last.seq, afterId: last.id, page: (state.page ?? 1) + 1 };
    body['@odata.nextLink'] = `${base}?$skiptoken=${encodeCursor({ page: 0, after: last.seq, state: { ...next } })}`;
  } else {
    const following: DeltaState = {
      since: state.upto,
      upto: 0,
      select: state.select,
      members: state.members,
      ...(state.manager ? { manager: true } : {}),
      afterSeq: 0,
      afterId: '',
      generation: state.generation,
    };
    body['@odata.deltaLink'] = `${base}?$deltatoken=${encodeCursor({ page: 0, after: 0, state: { ...following } })}`;
  }
  body['value'] = slice.map((c) => c.json);
  return kind === 'user' ? ctx.faults.malformed('delta', state.page ?? 1, body, requestPath(ctx, req)) : body;
}

function startOrResume(ctx: GraphContext, req: GraphRequest, kind: DeltaKind): DeltaState {
  const skip = req.params.get('$skiptoken');
  if (skip !== null) return unexpired(ctx, stateFrom(skip));
  const delta = req.params.get('$deltatoken');
  if (delta !== null && delta !== 'latest') return { ...unexpired(ctx, stateFrom(delta)), upto: ctx.directory.seq, afterSeq: 0, afterId: '', page: 1 };

  const requested = parseSelect(req.params);
  const members = kind === 'group' && (requested ?? []).some((s) => s.toLowerCase() === 'members');
  const plain = requested?.filter((s) => s.toLowerCase() !== 'members');
  const select = plain && plain.length > 0 ? selectFor(ctx, kind, new URLSearchParams({ $select: plain.join(',') })) : undefined;
  // Graph's user delta expands the manager only: `$expand=manager` (an inner $select is accepted; the entries carry ids alone).
  const manager = kind === 'user' && parseExpand(req.params) !== undefined;
  // $deltatoken=latest skips the initial listing and only hands back a deltaLink for "from now on".
  const since = delta === 'latest' ? ctx.directory.seq : 0;
  return { since, upto: ctx.directory.seq, select, members, ...(manager ? { manager: true } : {}), afterSeq: 0, afterId: '', generation: ctx.faults.deltaTokenGeneration };
}

function unexpired(ctx: GraphContext, state: DeltaState): DeltaState {
  if ((state.generation ?? 0) !== ctx.faults.deltaTokenGeneration) throw ctx.faults.deltaTokenExpired();
  return state;
}

function stateFrom(token: string): DeltaState {
  const cursor = decodeCursor(token);
  const state = cursor?.state;
  if (!state || typeof state['since'] !== 'number' || typeof state['upto'] !== 'number') {
    throw graphError(400, 'Request_BadRequest', 'Invalid delta token.');
  }
  return state as unknown as DeltaState;
}

function maxPageSize(req: GraphRequest, fallback: number): number {
  const prefer = String(req.headers['prefer'] ?? '');
  const match = /odata\.maxpagesize=(\d+)/i.exec(prefer);
  const size = match ? Number(match[1]) : fallback;
  return Math.min(Math.max(size, 1), 999);
}

function collectChanges(ctx: GraphContext, kind: DeltaKind, state: DeltaState): Change[] {
  const inRound = (seq: number): boolean => seq > state.since && seq <= state.upto;
  const entries: DirectoryEntry[] = kind === 'user' ? ctx.directory.activeUsers() : ctx.directory.groups();
  const changes: Change[] = entries
    .filter((e) => inRound(e.changeSeq))
    .map((e) => {
      const json = project(e, { select: state.select });
      if (e.kind === 'group' && state.members) json['members@delta'] = memberDelta(ctx, e.id, state);
      if (e.kind === 'user' && state.manager) {
        const manager = managerDelta(e, state);
        if (manager) json['manager@delta'] = manager;
      }
      return { seq: e.changeSeq, id: e.id, json };
    });
  // An initial round lists what exists; removals only mean something relative to an earlier round.
  if (state.since > 0) {
    for (const removal of ctx.directory.removalsSince(kind, state.since)) {
      if (removal.seq <= state.upto) {
        changes.push({ seq: removal.seq, id: removal.id, json: { id: removal.id, '@removed': { reason: removal.reason } } });
      }
    }
  }
  return changes;
}

/**
 * `manager@delta` as Graph reports a single-valued reference: the manager's id on the first round,
 * and in later rounds only when the reference changed in the round — the new manager, or the old one
 * marked `@removed` when the user has none now. Absent means unchanged.
 */
function managerDelta(user: UserEntry, state: DeltaState): Record<string, unknown>[] | undefined {
  const current = user.props['manager'];
  const change = user.managerChange;
  const changedInRound = change !== undefined && change.seq > state.since && change.seq <= state.upto;
  if (state.since > 0 && !changedInRound) return undefined;
  if (typeof current === 'string') return [{ '@odata.type': ODATA_TYPE.user, id: current }];
  if (state.since > 0 && change?.previous !== undefined) return [{ '@odata.type': ODATA_TYPE.user, id: change.previous, '@removed': { reason: 'deleted' } }];
  return undefined;
}

function memberDelta(ctx: GraphContext, groupId: string, state: DeltaState): Record<string, unknown>[] {
  if (state.since === 0) {
    return ctx.directory.directMembers(groupId).map((m) => ({ '@odata.type': ODATA_TYPE[m.kind], id: m.id }));
  }
  return ctx.directory
    .membershipChangesSince(groupId, state.since)
    .filter((c) => c.seq <= state.upto)
    .map((c) => {
      const kind: ObjectKind = ctx.directory.findGroup(c.memberId) ? 'group' : 'user';
      const entry: Record<string, unknown> = { '@odata.type': ODATA_TYPE[kind], id: c.memberId };
      if (c.removed) entry['@removed'] = { reason: 'deleted' };
      return entry;
    });
}
