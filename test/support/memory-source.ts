/**
 * In-memory sources for engine tests that run real parts (SQLite, the SCIM server) but need no
 * IdP: the users are given, and a read is one request.
 */
import type { AppRole, AppRoleAssignments, ReadStats, Source, SourceUser } from '../../src/sources/source.js';

export class MemorySource implements Source {
  readonly name = 'memory';
  readonly kind = 'memory';
  constructor(readonly users: SourceUser[]) {}
  async *readUsers(): AsyncIterable<readonly SourceUser[]> {
    yield this.users;
  }
  /** By object id or sign-in name, as the Entra adapter looks a user up. */
  async readUser(ref: string): Promise<SourceUser | undefined> {
    return this.users.find((u) => u.id === ref || u.attributes.userPrincipalName === ref);
  }
  async resolveGroupMembers(): Promise<ReadonlySet<string>> {
    return new Set();
  }
  stats(): ReadStats {
    return { requests: 1, retries: 0, throttledMs: 0 };
  }
}

/** An app-scoped source: the users assigned to the app, with the app roles each holds. */
export class AppSource extends MemorySource {
  constructor(
    users: SourceUser[],
    readonly roles: Record<string, AppRole[]>,
  ) {
    super(users);
  }
  async resolveAppAssignments(): Promise<ReadonlySet<string>> {
    return new Set(Object.keys(this.roles));
  }
  async readAppRoleAssignments(): Promise<AppRoleAssignments> {
    return { users: new Set(Object.keys(this.roles)), roles: new Map(Object.entries(this.roles)) };
  }
}
