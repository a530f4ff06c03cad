import type { IncomingHttpHeaders } from 'node:http';
import type { Directory, DirectoryEntry, ObjectKind } from './directory.js';
import type { Faults } from './faults.js';
import { parseSelect } from './odata.js';
import { resolveSelect } from './projection.js';
import type { ServicePrincipals } from './service-principals.js';

export interface GraphContext {
  directory: Directory;
  servicePrincipals: ServicePrincipals;
  faults: Faults;
  /** e.g. https://127.0.0.1:1234/v1.0 */
  graphUrl: string;
  pageSize: number;
}

export interface GraphRequest {
  /** Path segments after /v1.0, already URI-decoded. */
  segments: string[];
  params: URLSearchParams;
  headers: IncomingHttpHeaders;
}

/**
 * Canonical $select names for `kind`, or undefined when the request has none.
 * Besides Graph's own properties, any property some stored object of that
 * kind has is selectable, so tests can add their own.
 */
export function selectFor(ctx: GraphContext, kind: ObjectKind | undefined, params: URLSearchParams): string[] | undefined {
  const select = parseSelect(params);
  if (!select) return undefined;
  // Mixed member listings accept any property of either type, as directoryObject does.
  if (kind === undefined) return select;
  const stored = (): DirectoryEntry[] =>
    kind === 'user' ? [...ctx.directory.activeUsers(), ...ctx.directory.deletedUsers()] : ctx.directory.groups();
  return resolveSelect(kind, select, stored);
}

export function contextUrl(ctx: GraphContext, path: string, select: readonly string[] | undefined, entity = false): string {
  const projection = select ? `(${select.join(',')})` : '';
  return `${ctx.graphUrl}/$metadata#${path}${projection}${entity ? '/$entity' : ''}`;
}

/** Same resource and query options, plus $skiptoken; written the way Graph writes it ($ and commas unescaped). */
export function nextLink(ctx: GraphContext, req: GraphRequest, skiptoken: string): string {
  const parts: string[] = [];
  for (const [key, value] of req.params) {
    if (key === '$skiptoken') continue;
    parts.push(`${key}=${encodeODataValue(value)}`);
  }
  parts.push(`$skiptoken=${skiptoken}`);
  return `${ctx.graphUrl}/${req.segments.map(encodeURIComponent).join('/')}?${parts.join('&')}`;
}

function encodeODataValue(value: string): string {
  return encodeURIComponent(value).replace(/%2C/gi, ',').replace(/%24/g, '$');
}

/** The path and query a request was sent with (query in URLSearchParams' encoding). */
export function requestPath(ctx: GraphContext, req: GraphRequest): string {
  const query = req.params.toString();
  return `${new URL(ctx.graphUrl).pathname}/${req.segments.map(encodeURIComponent).join('/')}${query ? `?${query}` : ''}`;
}
