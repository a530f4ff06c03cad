import { randomBytes } from 'node:crypto';

export const USER_STATUSES = ['STAGED', 'PROVISIONED', 'ACTIVE', 'RECOVERY', 'PASSWORD_EXPIRED', 'LOCKED_OUT', 'SUSPENDED', 'DEPROVISIONED'] as const;
export type UserStatus = (typeof USER_STATUSES)[number];

export type Profile = Record<string, unknown>;

export interface UserInput {
  id?: string;
  /** Default ACTIVE. */
  status?: UserStatus;
  /** `login` is required and unique (case-insensitive); `email`, `firstName`, `lastName` and any custom attribute may follow. */
  profile: Profile & { login: string };
  /** Backdating, for tests of incremental reads; default now. */
  created?: string | Date;
  lastUpdated?: string | Date;
}

export interface GroupInput {
  id?: string;
  name: string;
  description?: string;
  type?: 'OKTA_GROUP' | 'APP_GROUP' | 'BUILT_IN';
  /** Member user ids. */
  members?: string[];
}

export interface AppInput {
  id?: string;
  label: string;
  name?: string;
  /** User ids assigned directly (scope USER). */
  users?: string[];
  /** Group ids assigned; their members are assigned with scope GROUP. */
  groups?: string[];
}

export interface StoredUser {
  readonly id: string;
  status: UserStatus;
  readonly created: number;
  activated: number | null;
  statusChanged: number | null;
  lastUpdated: number;
  passwordChanged: number | null;
  profile: Profile;
}

export interface StoredGroup {
  readonly id: string;
  readonly type: 'OKTA_GROUP' | 'APP_GROUP' | 'BUILT_IN';
  readonly created: number;
  lastUpdated: number;
  lastMembershipUpdated: number;
  profile: { name: string; description: string | null };
  readonly members: Set<string>;
}

export interface StoredApp {
  readonly id: string;
  readonly name: string;
  readonly label: string;
  readonly created: number;
  lastUpdated: number;
  /** Direct assignments: user id → when assigned. */
  readonly users: Map<string, number>;
  /** Group assignments: group id → when assigned. */
  readonly groups: Map<string, number>;
}

export interface AppUserEntry {
  readonly user: StoredUser;
  readonly scope: 'USER' | 'GROUP';
  readonly assigned: number;
}

export class DirectoryError extends Error {
  constructor(
    message: string,
    /** Which Okta answer this maps to: 404 for an unknown object, 400 for a refused change. */
    readonly kind: 'notFound' | 'invalid',
  ) {
    super(message);
  }
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/**
 * The in-memory org. Ids look like Okta's (00u…, 00g…, 0oa…, 20 characters) and sort in creation
 * order, so listings can page with `after` = the last id even while objects come and go.
 */
export class OktaDirectory {
  private sequence = 0;
  private readonly userMap = new Map<string, StoredUser>();
  private readonly groupMap = new Map<string, StoredGroup>();
  private readonly appMap = new Map<string, StoredApp>();
  /** Lower-cased login → user id: logins are unique case-insensitively. */
  private readonly logins = new Map<string, string>();
  private sortedUsers: StoredUser[] | undefined;

  constructor(private readonly clock: () => number) {}

  now(): number {
    return this.clock();
  }

  private newId(prefix: string): string {
    this.sequence++;
    let seq = '';
    for (let n = this.sequence; seq.length < 6; n = Math.floor(n / 62)) seq = BASE62[n % 62] + seq;
    const random = [...randomBytes(11)].map((b) => BASE62[b % 62]).join('');
    return `${prefix}${seq}${random}`;
  }

  // ---- users

  /** Users sorted by id: creation order for generated ids. */
  users(): readonly StoredUser[] {
    this.sortedUsers ??= [...this.userMap.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return this.sortedUsers;
  }

  user(id: string): StoredUser {
    const user = this.userMap.get(id);
    if (!user) throw new DirectoryError(`Not found: Resource not found: ${id} (User)`, 'notFound');
    return user;
  }

  /** By id, or by login (case-insensitive) as GET /api/v1/users/{login} does. */
  findUser(idOrLogin: string): StoredUser | undefined {
    const byId = this.userMap.get(idOrLogin);
    if (byId) return byId;
    const id = this.logins.get(idOrLogin.toLowerCase());
    return id === undefined ? undefined : this.userMap.get(id);
  }

  /**
   * As GET /api/v1/users/{id|login|login shortname} finds a user: by id, by login, or by the
   * login's part before the @ when exactly one user's login has it.
   */
  findUserByKey(key: string): StoredUser | undefined {
    const found = this.findUser(key);
    if (found || key.includes('@')) return found;
    const short = key.toLowerCase();
    const hits = [...this.logins.entries()].filter(([login]) => login.split('@')[0] === short);
    return hits.length === 1 ? this.userMap.get((hits[0] as [string, string])[1]) : undefined;
  }

  createUser(input: UserInput): string {
    const login = input.profile.login;
    if (typeof login !== 'string' || login === '') throw new DirectoryError('profile.login is required', 'invalid');
    if (this.findUser(login)) throw new DirectoryError(`login: An object with this field already exists in the current organization (${login})`, 'invalid');
    const id = input.id ?? this.newId('00u');
    if (this.userMap.has(id)) throw new DirectoryError(`user id ${id} exists`, 'invalid');
    const status = input.status ?? 'ACTIVE';
    const created = input.created === undefined ? this.now() : new Date(input.created).getTime();
    const lastUpdated = input.lastUpdated === undefined ? created : new Date(input.lastUpdated).getTime();
    this.userMap.set(id, {
      id,
      status,
      created,
      activated: status === 'STAGED' ? null : created,
      statusChanged: status === 'STAGED' ? null : created,
      lastUpdated,
      passwordChanged: null,
      profile: { ...input.profile },
    });
    this.logins.set(login.toLowerCase(), id);
    this.sortedUsers = undefined;
    return id;
  }

  /** Merges into the profile; null removes an attribute. `at` backdates the change (tests of boundaries). */
  updateUser(id: string, profile: Profile, at?: string | Date): void {
    const user = this.user(id);
    const next = { ...user.profile };
    for (const [key, value] of Object.entries(profile)) {
      if (value === null) delete next[key];
      else next[key] = value;
    }
    if (typeof next.login !== 'string' || next.login === '') throw new DirectoryError('profile.login is required', 'invalid');
    const clash = this.findUser(next.login);
    if (clash && clash.id !== id) throw new DirectoryError(`login: An object with this field already exists (${next.login})`, 'invalid');
    this.logins.delete(String(user.profile.login).toLowerCase());
    this.logins.set(next.login.toLowerCase(), id);
    user.profile = next;
    user.lastUpdated = at === undefined ? this.now() : new Date(at).getTime();
  }

  /** Any status, without Okta's transition rules: for putting a user into LOCKED_OUT, RECOVERY… */
  setUserStatus(id: string, status: UserStatus): void {
    const user = this.user(id);
    const now = this.now();
    if (status === 'DEPROVISIONED') this.dropDirectAssignments(id);
    if (user.activated === null && status !== 'STAGED' && status !== 'DEPROVISIONED') user.activated = now;
    user.status = status;
    user.statusChanged = now;
    user.lastUpdated = now;
  }

  /** Okta's lifecycle operations, with the transitions Okta allows. */
  lifecycle(id: string, operation: 'activate' | 'reactivate' | 'deactivate' | 'suspend' | 'unsuspend' | 'unlock'): void {
    const user = this.user(id);
    const allowed: Record<typeof operation, readonly UserStatus[]> = {
      activate: ['STAGED', 'PROVISIONED', 'DEPROVISIONED'],
      reactivate: ['PROVISIONED', 'RECOVERY'],
      deactivate: USER_STATUSES.filter((s) => s !== 'DEPROVISIONED'),
      suspend: ['ACTIVE'],
      unsuspend: ['SUSPENDED'],
      unlock: ['LOCKED_OUT'],
    };
    if (!allowed[operation].includes(user.status)) {
      throw new DirectoryError(`Cannot ${operation} a user whose status is ${user.status}`, 'invalid');
    }
    this.setUserStatus(id, operation === 'deactivate' ? 'DEPROVISIONED' : operation === 'suspend' ? 'SUSPENDED' : 'ACTIVE');
  }

  /** DELETE /api/v1/users/{id}: the first call deactivates, a call on a deactivated user deletes it for good. */
  deleteUserStep(id: string): 'deactivated' | 'deleted' {
    const user = this.user(id);
    if (user.status !== 'DEPROVISIONED') {
      this.setUserStatus(id, 'DEPROVISIONED');
      return 'deactivated';
    }
    this.userMap.delete(id);
    this.logins.delete(String(user.profile.login).toLowerCase());
    this.sortedUsers = undefined;
    const now = this.now();
    for (const group of this.groupMap.values()) {
      if (group.members.delete(id)) group.lastMembershipUpdated = now;
    }
    return 'deleted';
  }

  // ---- groups

  groups(): readonly StoredGroup[] {
    return [...this.groupMap.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  group(id: string): StoredGroup {
    const group = this.groupMap.get(id);
    if (!group) throw new DirectoryError(`Not found: Resource not found: ${id} (UserGroup)`, 'notFound');
    return group;
  }

  createGroup(input: GroupInput): string {
    const id = input.id ?? this.newId('00g');
    if (this.groupMap.has(id)) throw new DirectoryError(`group id ${id} exists`, 'invalid');
    const now = this.now();
    this.groupMap.set(id, {
      id,
      type: input.type ?? 'OKTA_GROUP',
      created: now,
      lastUpdated: now,
      lastMembershipUpdated: now,
      profile: { name: input.name, description: input.description ?? null },
      members: new Set(),
    });
    for (const member of input.members ?? []) this.addGroupMember(id, member);
    return id;
  }

  /** Renames or redescribes the group (profile.name / profile.description); its id and members stay. */
  updateGroup(id: string, profile: { name?: string; description?: string | null }): void {
    const group = this.group(id);
    if (profile.name !== undefined && profile.name === '') throw new DirectoryError('profile.name is required', 'invalid');
    group.profile = { name: profile.name ?? group.profile.name, description: profile.description === undefined ? group.profile.description : profile.description };
    group.lastUpdated = this.now();
  }

  addGroupMember(groupId: string, userId: string): void {
    const group = this.group(groupId);
    this.user(userId);
    group.members.add(userId);
    group.lastMembershipUpdated = this.now();
  }

  removeGroupMember(groupId: string, userId: string): void {
    const group = this.group(groupId);
    if (group.members.delete(userId)) group.lastMembershipUpdated = this.now();
  }

  deleteGroup(id: string): void {
    this.group(id);
    this.groupMap.delete(id);
    for (const app of this.appMap.values()) app.groups.delete(id);
  }

  /** Members in id order. */
  groupMembers(groupId: string): StoredUser[] {
    const group = this.group(groupId);
    return this.users().filter((u) => group.members.has(u.id));
  }

  // ---- apps

  app(id: string): StoredApp {
    const app = this.appMap.get(id);
    if (!app) throw new DirectoryError(`Not found: Resource not found: ${id} (AppInstance)`, 'notFound');
    return app;
  }

  createApp(input: AppInput): string {
    const id = input.id ?? this.newId('0oa');
    if (this.appMap.has(id)) throw new DirectoryError(`app id ${id} exists`, 'invalid');
    const now = this.now();
    this.appMap.set(id, {
      id,
      name: input.name ?? input.label.toLowerCase().replace(/[^a-z0-9]+/g, '_'),
      label: input.label,
      created: now,
      lastUpdated: now,
      users: new Map(),
      groups: new Map(),
    });
    for (const user of input.users ?? []) this.assignUser(id, user);
    for (const group of input.groups ?? []) this.assignGroup(id, group);
    return id;
  }

  assignUser(appId: string, userId: string): void {
    const user = this.user(userId);
    if (user.status === 'DEPROVISIONED') throw new DirectoryError('Cannot assign a deactivated user to an app', 'invalid');
    this.app(appId).users.set(userId, this.now());
  }

  unassignUser(appId: string, userId: string): void {
    this.app(appId).users.delete(userId);
  }

  assignGroup(appId: string, groupId: string): void {
    this.group(groupId);
    this.app(appId).groups.set(groupId, this.now());
  }

  unassignGroup(appId: string, groupId: string): void {
    this.app(appId).groups.delete(groupId);
  }

  /**
   * Users assigned to the app, as /apps/{id}/users lists them: direct assignments (scope USER) and
   * members of assigned groups (scope GROUP); deactivated users are not assigned to anything.
   */
  appUsers(appId: string): AppUserEntry[] {
    const app = this.app(appId);
    const entries: AppUserEntry[] = [];
    for (const user of this.users()) {
      if (user.status === 'DEPROVISIONED') continue;
      const direct = app.users.get(user.id);
      if (direct !== undefined) {
        entries.push({ user, scope: 'USER', assigned: direct });
        continue;
      }
      const viaGroup = [...app.groups.entries()].find(([groupId]) => this.groupMap.get(groupId)?.members.has(user.id));
      if (viaGroup) entries.push({ user, scope: 'GROUP', assigned: viaGroup[1] });
    }
    return entries;
  }

  private dropDirectAssignments(userId: string): void {
    for (const app of this.appMap.values()) app.users.delete(userId);
  }
}
