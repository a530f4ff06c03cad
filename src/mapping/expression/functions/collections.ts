/** Multi-valued attributes: Count, Item, RemoveDuplicates, Split, and the app role functions. */
import { ExpressionEvaluationError } from '../errors.js';
import { eager, type CompiledArgument, type FunctionSpec } from '../registry.js';
import { DateTimeValue, isList, toInteger, toText, type RecordValue, type RuntimeValue } from '../values.js';

const count: FunctionSpec = {
  name: 'Count',
  params: [{ name: 'attribute' }],
  minArgs: 1,
  maxArgs: 1,
  // An absent attribute has no values; a single-valued one has one.
  compile: eager(([value]) => (isList(value as RuntimeValue) ? (value as readonly RuntimeValue[]).length : value === null ? 0 : 1)),
};

/** 1-based; an index outside the values gives null (nothing is sent) rather than failing the object. */
const item: FunctionSpec = {
  name: 'Item',
  params: [{ name: 'attribute' }, { name: 'index' }],
  minArgs: 2,
  maxArgs: 2,
  compile(args, context) {
    const [attributeArg, indexArg] = args as [CompiledArgument, CompiledArgument];
    const literal = indexArg.constant?.value;
    if (typeof literal === 'number' && literal < 1) context.fail('Item index is 1-based: use 1 for the first value', indexArg.node.column);
    const attribute = attributeArg.evaluate;
    const indexOf = indexArg.evaluate;
    return (scope) => {
      const index = toInteger(indexOf(scope), 'Item index');
      if (index === null) throw new ExpressionEvaluationError('Item index is missing');
      const value = attribute(scope);
      if (!isList(value)) return index === 1 ? value : null;
      return index >= 1 && index <= value.length ? (value[index - 1] as RuntimeValue) : null;
    };
  },
};

const removeDuplicates: FunctionSpec = {
  name: 'RemoveDuplicates',
  params: [{ name: 'attribute' }],
  minArgs: 1,
  maxArgs: 1,
  compile: eager(([value]) => {
    if (!isList(value as RuntimeValue)) return value as RuntimeValue;
    const seen = new Set<string>();
    const unique: RuntimeValue[] = [];
    for (const entry of value as readonly RuntimeValue[]) {
      // Compared as text, case-sensitively; a null value is kept once like any other.
      const key = entry === null ? '\u0000null' : (toText(entry) ?? '');
      if (seen.has(key)) continue;
      seen.add(key);
      unique.push(entry);
    }
    return unique;
  }),
};

/** The whole delimiter string separates values; "" gives no values (an empty list, not [""]). */
const split: FunctionSpec = {
  name: 'Split',
  params: [{ name: 'source' }, { name: 'delimiter' }],
  minArgs: 2,
  maxArgs: 2,
  compile: eager(([source, delimiter]) => {
    const separator = toText(delimiter as RuntimeValue) ?? '';
    const splitOne = (value: RuntimeValue): RuntimeValue[] => {
      const text = toText(value);
      if (text === null || text === '') return [];
      return separator === '' ? [text] : text.split(separator);
    };
    if (source === null) return null;
    return isList(source as RuntimeValue) ? (source as readonly RuntimeValue[]).flatMap(splitOne) : splitOne(source as RuntimeValue);
  }),
};

interface RoleAssignment {
  readonly value: string;
  readonly display: string;
}

/**
 * The [appRoleAssignments] attribute as the source supplies it: a list of { id, value, displayName }
 * objects (or plain role names). The role's value is what SCIM apps receive.
 */
function roleAssignments(value: RuntimeValue): RoleAssignment[] {
  const entries = isList(value) ? value : value === null ? [] : [value];
  const roles: RoleAssignment[] = [];
  const seen = new Set<string>();
  for (const entry of entries) {
    const role = toRole(entry);
    if (role && !seen.has(role.value)) {
      seen.add(role.value);
      roles.push(role);
    }
  }
  return roles;
}

function toRole(entry: RuntimeValue): RoleAssignment | undefined {
  if (entry === null || isList(entry)) return undefined;
  if (typeof entry !== 'object' || entry instanceof DateTimeValue) {
    const text = toText(entry);
    return text ? { value: text, display: text } : undefined;
  }
  const record = entry as RecordValue;
  const field = (name: string): string | undefined => {
    const raw = record[name];
    return typeof raw === 'string' && raw !== '' ? raw : undefined;
  };
  const value = field('value') ?? field('displayName') ?? field('id');
  return value === undefined ? undefined : { value, display: field('displayName') ?? value };
}

/**
 * One SCIM role per assignment. The expression language has no object values, so each role is its
 * JSON text: {"primary":false,"type":"WindowsAzureActiveDirectoryRole","display":…,"value":…}.
 */
function complexRoles(value: RuntimeValue): string[] | null {
  const roles = roleAssignments(value);
  if (roles.length === 0) return null;
  return roles.map((role) => JSON.stringify({ primary: false, type: 'WindowsAzureActiveDirectoryRole', display: role.display, value: role.value }));
}

/** Entra sends these in an add: a role the user loses stays in the app. */
const appRoleAssignmentsComplex: FunctionSpec = {
  name: 'AppRoleAssignmentsComplex',
  params: [{ name: 'appRoleAssignments' }],
  minArgs: 1,
  maxArgs: 1,
  compile: eager(([value]) => complexRoles(value as RuntimeValue)),
};

/**
 * The same roles, which Entra sends in a replace: a role the user loses is removed from the app.
 * The mapping stage tells the two apart (see mapping/roles.ts); the values are the same.
 */
const assertiveAppRoleAssignmentsComplex: FunctionSpec = {
  name: 'AssertiveAppRoleAssignmentsComplex',
  params: [{ name: 'appRoleAssignments' }],
  minArgs: 1,
  maxArgs: 1,
  compile: eager(([value]) => complexRoles(value as RuntimeValue)),
};

/** The value of the user's one role; with several, the first (the reference leaves which one undefined). */
const singleAppRoleAssignment: FunctionSpec = {
  name: 'SingleAppRoleAssignment',
  params: [{ name: 'appRoleAssignments' }],
  minArgs: 1,
  maxArgs: 1,
  compile: eager(([value]) => roleAssignments(value as RuntimeValue)[0]?.value ?? null),
};

export const COLLECTION_FUNCTIONS: readonly FunctionSpec[] = [appRoleAssignmentsComplex, assertiveAppRoleAssignmentsComplex, count, item, removeDuplicates, singleAppRoleAssignment, split];
