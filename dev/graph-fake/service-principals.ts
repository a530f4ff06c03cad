import { randomBytes, randomUUID } from 'node:crypto';
import { DirectoryError, type ObjectKind } from './directory.js';

/** Entra's "default access" app role: an assignment without a specific role. */
export const DEFAULT_ACCESS_ROLE = '00000000-0000-0000-0000-000000000000';

export interface ServicePrincipalInput {
  id?: string;
  /** The application (client) id; generated when absent. */
  appId?: string;
  displayName: string;
  /** The roles the app defines; an upsert without it keeps the ones it has. */
  appRoles?: AppRoleInput[];
}

/** An app role as the app registration defines it; `id` is generated when absent. */
export interface AppRoleInput {
  id?: string;
  /** The value apps receive (null: a role without one). */
  value: string | null;
  displayName: string;
  description?: string;
  /** Graph: ["User"], ["Application"] or both; assignable to users and groups only with "User". */
  allowedMemberTypes?: string[];
  isEnabled?: boolean;
}

export interface AppRole {
  readonly id: string;
  readonly value: string | null;
  readonly displayName: string;
  readonly description: string;
  readonly allowedMemberTypes: readonly string[];
  readonly isEnabled: boolean;
}

export interface ServicePrincipalEntry {
  readonly id: string;
  readonly appId: string;
  displayName: string;
  readonly createdDateTime: string;
  appRoles: AppRole[];
  /** `principalId/appRoleId` → assignment, in assignment order: a principal may hold several roles. */
  readonly assignments: Map<string, AppRoleAssignment>;
}

export interface AppRoleAssignment {
  readonly id: string;
  readonly principalId: string;
  readonly appRoleId: string;
  readonly createdDateTime: string;
  /** Assignment order, for keyset paging. */
  readonly order: number;
}

/** What the directory knows of a principal right now; undefined while it is soft-deleted or gone. */
export type PrincipalLookup = (id: string) => { kind: ObjectKind; displayName: string } | undefined;

/**
 * Enterprise apps (service principals) and who is assigned to them (appRoleAssignedTo). An
 * assignment is listed only while its principal exists, so a soft-deleted user's assignment
 * disappears and comes back on restore, and a purged principal's is gone, as in Entra.
 */
export class ServicePrincipals {
  private readonly entries = new Map<string, ServicePrincipalEntry>();
  private orderCounter = 0;

  constructor(private readonly principal: PrincipalLookup) {}

  upsert(input: ServicePrincipalInput): string {
    const id = input.id ?? randomUUID();
    const existing = this.entries.get(id);
    const appRoles = input.appRoles?.map(toAppRole);
    if (appRoles) {
      const ids = new Set(appRoles.map((r) => r.id));
      if (ids.size !== appRoles.length || ids.has(DEFAULT_ACCESS_ROLE)) throw new DirectoryError('app role ids must be unique and not the default-access id');
      const values = appRoles.flatMap((r) => (r.value === null ? [] : [r.value]));
      if (new Set(values).size !== values.length) throw new DirectoryError('app role values must be unique');
    }
    if (existing) {
      if (input.appId !== undefined && input.appId !== existing.appId) throw new DirectoryError(`service principal ${id} has appId ${existing.appId}; appId cannot change`);
      existing.displayName = input.displayName;
      // Graph keeps an assignment to a role the app no longer defines; it just no longer resolves.
      if (appRoles) existing.appRoles = appRoles;
      return id;
    }
    const appId = input.appId ?? randomUUID();
    if (this.byAppId(appId)) throw new DirectoryError(`a service principal for appId ${appId} exists`);
    this.entries.set(id, { id, appId, displayName: input.displayName, createdDateTime: new Date().toISOString(), appRoles: appRoles ?? [], assignments: new Map() });
    return id;
  }

  delete(id: string): void {
    if (!this.entries.delete(id)) throw new DirectoryError(`no service principal ${id}`);
  }

  /**
   * Assigns a user or group (by id) to the app in a role (default access unless given); the same
   * role twice is one assignment. Returns the assignment id.
   */
  assign(servicePrincipalId: string, principalId: string, appRoleId = DEFAULT_ACCESS_ROLE): string {
    const entry = this.require(servicePrincipalId);
    if (!this.principal(principalId)) throw new DirectoryError(`no user or group ${principalId} to assign`);
    // Graph: "Permission being assigned was not found on application" for a role the app does not define (or has disabled).
    const role = entry.appRoles.find((r) => r.id === appRoleId);
    if (appRoleId !== DEFAULT_ACCESS_ROLE && (!role || !role.isEnabled || !role.allowedMemberTypes.includes('User'))) {
      throw new DirectoryError(`app role ${appRoleId} is not an enabled user role of ${servicePrincipalId}`);
    }
    const key = `${principalId}/${appRoleId}`;
    const existing = entry.assignments.get(key);
    if (existing) return existing.id;
    // Graph's assignment ids are 43-character base64url strings, not GUIDs.
    const id = randomBytes(32).toString('base64url').slice(0, 43);
    entry.assignments.set(key, { id, principalId, appRoleId, createdDateTime: new Date().toISOString(), order: ++this.orderCounter });
    return id;
  }

  /** Removes the principal's assignment in that role, or every role it holds on the app. */
  unassign(servicePrincipalId: string, principalId: string, appRoleId?: string): void {
    const entry = this.require(servicePrincipalId);
    const keys = [...entry.assignments.values()]
      .filter((a) => a.principalId === principalId && (appRoleId === undefined || a.appRoleId === appRoleId))
      .map((a) => `${a.principalId}/${a.appRoleId}`);
    if (keys.length === 0) throw new DirectoryError(`${principalId} is not assigned to ${servicePrincipalId}`);
    for (const key of keys) entry.assignments.delete(key);
  }

  find(id: string): ServicePrincipalEntry | undefined {
    return this.entries.get(id);
  }

  byAppId(appId: string): ServicePrincipalEntry | undefined {
    const wanted = appId.toLowerCase();
    return [...this.entries.values()].find((e) => e.appId.toLowerCase() === wanted);
  }

  all(): ServicePrincipalEntry[] {
    return [...this.entries.values()];
  }

  /** The appRoleAssignment resources Graph lists under /servicePrincipals/{id}/appRoleAssignedTo, with their order for paging. */
  assignedTo(entry: ServicePrincipalEntry): { order: number; json: Record<string, unknown> }[] {
    return [...entry.assignments.values()].flatMap((a) => {
      const principal = this.principal(a.principalId);
      if (!principal) return [];
      const json = {
        id: a.id,
        deletedDateTime: null,
        appRoleId: a.appRoleId,
        createdDateTime: a.createdDateTime,
        principalDisplayName: principal.displayName,
        principalId: a.principalId,
        principalType: principal.kind === 'user' ? 'User' : 'Group',
        resourceDisplayName: entry.displayName,
        resourceId: entry.id,
      };
      return [{ order: a.order, json }];
    });
  }

  private require(id: string): ServicePrincipalEntry {
    const entry = this.entries.get(id);
    if (!entry) throw new DirectoryError(`no service principal ${id}`);
    return entry;
  }
}

export function servicePrincipalJson(entry: ServicePrincipalEntry): Record<string, unknown> {
  return {
    id: entry.id,
    appId: entry.appId,
    displayName: entry.displayName,
    accountEnabled: true,
    servicePrincipalType: 'Application',
    createdDateTime: entry.createdDateTime,
    appRoles: entry.appRoles.map((r) => ({ ...r, origin: 'Application' })),
  };
}

function toAppRole(input: AppRoleInput): AppRole {
  return {
    id: input.id ?? randomUUID(),
    value: input.value,
    displayName: input.displayName,
    description: input.description ?? input.displayName,
    allowedMemberTypes: input.allowedMemberTypes ?? ['User'],
    isEnabled: input.isEnabled ?? true,
  };
}
