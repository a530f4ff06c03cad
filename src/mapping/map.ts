/**
 * The map stage: a source object → the SCIM attributes the target should hold. Pure: the clock
 * and randomness come in through `MappingEnvironment`, so tests and previews are repeatable.
 */
import type { MappingConfig } from '../config/schema.js';
import type { AttributeValue, Attributes } from '../sources/source.js';
import { coerceValue, defaultTypeOf, type ScimType } from './coerce.js';
import { calledFunctions, compileExpression, ExpressionError, ExpressionEvaluationError, IGNORE_FLOW, type EvaluationScope } from './expression/index.js';
import { parseTargetPath, PathSyntaxError, type ScimValue, type TargetPath } from './paths.js';
import { isValueSetFunction, toRoleElements, valueSetModeOf, type ValueSetMode } from './roles.js';

export interface MappingEnvironment {
  now(): Date;
  random(): number;
}

export const realEnvironment: MappingEnvironment = { now: () => new Date(), random: Math.random };

type Evaluator = (scope: EvaluationScope) => AttributeValue | typeof IGNORE_FLOW | undefined;

export interface CompiledMapping {
  /** Position in the job's mapping list, for error messages. */
  readonly index: number;
  readonly target: TargetPath;
  readonly apply: 'always' | 'on-create';
  readonly required: boolean;
  readonly type: ScimType;
  readonly fallback?: ScimValue;
  readonly evaluate: Evaluator;
  /** A password, or an expression wrapped in Redact(): sent, but never shown by plan or preview. */
  readonly sensitive: boolean;
  /** Set for the app role set functions: the target holds a set of roles, kept by add or by replace. */
  readonly valueSet?: ValueSetMode;
  /** onEmpty: clear — an empty value removes the attribute in the app instead of leaving it as it was. */
  readonly clearsWhenEmpty: boolean;
  /**
   * The enterprise manager: the value is the manager's id in the source, which the engine turns
   * into the id the manager has in the app (see engine/references.ts) before anything is compared.
   */
  readonly reference: boolean;
}

export interface MappingSet {
  readonly mappings: readonly CompiledMapping[];
  /** Where create requests carry custom attributes as one JSON string (Flip's customJson), if the job asks for it. */
  readonly customJson?: TargetPath;
  /** Source attributes the mappings read: what a source must fetch (Graph $select). */
  readonly sourceAttributes: readonly string[];
  /** True when a mapping targets `active`. */
  readonly mapsActive: boolean;
  /** Users without an `active` mapping get `active = not IsSoftDeleted`; groups have no `active`. */
  readonly derivesActive: boolean;
  /** Target paths whose values plan and preview print as "[Redact]". */
  readonly sensitivePaths: ReadonlySet<string>;
}

/** A mapping that cannot be compiled; `field` is the key within the mapping that is wrong. */
export class MappingConfigError extends Error {
  constructor(
    readonly index: number,
    readonly field: 'target' | 'expression' | 'customJson' | 'source' | 'apply',
    message: string,
  ) {
    super(message);
    this.name = 'MappingConfigError';
  }
}

export function compileMappings(
  configs: readonly MappingConfig[],
  options: { customJson?: string; resource?: 'user' | 'group' } = {},
): MappingSet {
  const sourceAttributes = new Map<string, string>();
  const seenTargets = new Map<string, number>();
  const mappings = configs.map((config, index): CompiledMapping => {
    let target: TargetPath;
    try {
      target = parseTargetPath(config.target);
    } catch (error) {
      if (error instanceof PathSyntaxError) throw new MappingConfigError(index, 'target', error.message);
      throw error;
    }
    const previous = seenTargets.get(target.text.toLowerCase());
    if (previous !== undefined) {
      throw new MappingConfigError(index, 'target', `"${target.text}" is already mapped by mapping ${previous}; map each target attribute once`);
    }
    seenTargets.set(target.text.toLowerCase(), index);
    if (isManagerReference(target) && config.apply === 'on-create') {
      throw new MappingConfigError(index, 'apply', 'the manager is a reference, set once the manager exists in the app, so it cannot be apply: on-create; use apply: always');
    }
    const evaluate = compileEvaluator(config, index, (name) => {
      if (!sourceAttributes.has(name.toLowerCase())) sourceAttributes.set(name.toLowerCase(), name);
    });
    const valueSet = valueSetOf(config, index, target);
    return {
      index,
      target,
      apply: config.apply,
      required: config.required,
      type: config.type ?? defaultTypeOf(target),
      fallback: config.default,
      evaluate,
      sensitive: isSensitive(config, target),
      ...(valueSet ? { valueSet } : {}),
      // A reference that no longer points at a provisioned user is removed, as Entra removes it.
      clearsWhenEmpty: config.onEmpty === 'clear' || isManagerReference(target),
      reference: isManagerReference(target),
    };
  });

  let customJson: TargetPath | undefined;
  if (options.customJson !== undefined) {
    try {
      customJson = parseTargetPath(options.customJson);
    } catch (error) {
      if (error instanceof PathSyntaxError) throw new MappingConfigError(-1, 'customJson', error.message);
      throw error;
    }
  }
  const mapsActive = mappings.some((m) => !m.target.schema && m.target.attribute === 'active' && !m.target.subAttribute);
  return {
    mappings,
    customJson,
    sourceAttributes: [...sourceAttributes.values()].filter((n) => n.toLowerCase() !== 'issoftdeleted'),
    mapsActive,
    derivesActive: !mapsActive && (options.resource ?? 'user') === 'user',
    sensitivePaths: new Set(mappings.filter((m) => m.sensitive).map((m) => m.target.text)),
  };
}

/**
 * AppRoleAssignmentsComplex and its assertive twin make the whole value of a multi-valued attribute
 * (roles): only as the whole expression, and only into an attribute itself, not into one element.
 */
function valueSetOf(config: MappingConfig, index: number, target: TargetPath): ValueSetMode | undefined {
  if (config.expression === undefined) return undefined;
  let called: ReturnType<typeof calledFunctions>;
  try {
    called = calledFunctions(config.expression);
  } catch {
    return undefined; // compileEvaluator has already reported the syntax error
  }
  const misplaced = called.nested.find(isValueSetFunction);
  if (misplaced !== undefined) {
    throw new MappingConfigError(index, 'expression', `${misplaced} makes the whole value of a multi-valued attribute: use it as the whole expression, e.g. ${misplaced}([appRoleAssignments])`);
  }
  const mode = called.root === undefined ? undefined : valueSetModeOf(called.root);
  if (mode !== undefined && (target.filter !== undefined || target.subAttribute !== undefined)) {
    throw new MappingConfigError(index, 'target', `${called.root} makes a list of complex roles: target the attribute itself ("roles"), not "${target.text}"; for one role value use SingleAppRoleAssignment`);
  }
  return mode;
}

export const ENTERPRISE_USER_SCHEMA = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

/** RFC 7643 §4.3: the enterprise extension's manager, whose `value` is the manager's SCIM id. */
export function isManagerReference(target: TargetPath): boolean {
  return (
    target.schema?.toLowerCase() === ENTERPRISE_USER_SCHEMA.toLowerCase() &&
    target.attribute.toLowerCase() === 'manager' &&
    !target.filter &&
    (target.subAttribute === undefined || target.subAttribute.toLowerCase() === 'value')
  );
}

/** Entra shows Redact()'s value as "[Redact]" in its provisioning logs; a password is never worth showing. */
function isSensitive(config: MappingConfig, target: TargetPath): boolean {
  if (!target.schema && target.attribute.toLowerCase() === 'password') return true;
  return config.expression !== undefined && /^\s*Redact\s*\(/.test(config.expression);
}

function compileEvaluator(config: MappingConfig, index: number, uses: (attribute: string) => void): Evaluator {
  if (config.source !== undefined) {
    const name = config.source;
    uses(name);
    return (scope) => scope.attribute(name);
  }
  if (config.constant !== undefined) {
    const value = config.constant;
    return () => value;
  }
  try {
    const compiled = compileExpression(config.expression as string);
    compiled.attributes.forEach(uses);
    return (scope) => compiled.evaluate(scope) as AttributeValue | typeof IGNORE_FLOW;
  } catch (error) {
    if (error instanceof ExpressionError) {
      throw new MappingConfigError(index, 'expression', `column ${error.column}: ${error.reason}`);
    }
    throw error;
  }
}

/** What one source object becomes in the target. Keys are target path texts. */
export interface MappedObject {
  /** Attributes sent on create and kept in sync by updates. */
  readonly attributes: Readonly<Record<string, ScimValue>>;
  /** Attributes sent on create only (apply: on-create, customJson). */
  readonly createOnly: Readonly<Record<string, ScimValue>>;
  /** Attributes (in `attributes`) that hold a set of values, and how the app keeps it; absent when none. */
  readonly valueSets?: Readonly<Record<string, ValueSetMode>>;
  /** onEmpty: clear paths whose value is empty: removed in the app if it holds them. */
  readonly cleared?: readonly string[];
  /**
   * Reference paths (the manager) → the referenced user's id in the source, still to be resolved
   * into the app's id; a reference never appears in `attributes` until it is resolved.
   */
  readonly references?: Readonly<Record<string, string>>;
}

export type MapOutcome = { readonly ok: true; readonly value: MappedObject } | { readonly ok: false; readonly error: string };

export interface MappableObject {
  readonly id: string;
  readonly attributes: Attributes;
}

/**
 * Maps one object. `softDeleted` is Entra's IsSoftDeleted: out of scope, disabled or soft-deleted.
 * A missing required value or an unparsable one is an error for this object only.
 */
export function mapObject(object: MappableObject, softDeleted: boolean, set: MappingSet, env: MappingEnvironment): MapOutcome {
  const scope = createScope(object.attributes, softDeleted, env);
  const attributes: Record<string, ScimValue> = {};
  const createOnly: Record<string, ScimValue> = {};
  const valueSets: Record<string, ValueSetMode> = {};
  const cleared: string[] = [];
  const references: Record<string, string> = {};
  for (const mapping of set.mappings) {
    let raw: AttributeValue | typeof IGNORE_FLOW | undefined;
    try {
      raw = mapping.evaluate(scope);
    } catch (error) {
      if (error instanceof ExpressionEvaluationError) {
        return { ok: false, error: `${mapping.target.text}: ${error.message}` };
      }
      throw error;
    }
    if (raw === IGNORE_FLOW) continue;
    if (mapping.valueSet !== undefined) {
      const roles = toRoleElements(raw === undefined ? null : (raw as ScimValue));
      if (!roles.ok) return { ok: false, error: `${mapping.target.text}: ${roles.error}` };
      // An asserted set without values is a value: the app's roles are replaced by none.
      if (roles.value.length === 0 && (mapping.valueSet === 'add' || mapping.apply === 'on-create')) continue;
      if (mapping.apply === 'on-create') {
        createOnly[mapping.target.text] = roles.value;
      } else {
        attributes[mapping.target.text] = roles.value;
        valueSets[mapping.target.text] = mapping.valueSet;
      }
      continue;
    }
    if (mapping.reference) {
      // An attribute the source did not report (a change feed that did not mention the manager) is no opinion: the app keeps what it has.
      if (raw === undefined) continue;
      if (isEmpty(raw)) cleared.push(mapping.target.text);
      else references[mapping.target.text] = String(raw);
      continue;
    }
    let value: ScimValue | undefined = isEmpty(raw) ? mapping.fallback : (raw as ScimValue);
    if (isEmpty(value)) {
      if (mapping.required) {
        return { ok: false, error: `required attribute ${mapping.target.text} is empty (mapping ${mapping.index})` };
      }
      // Like Entra by default: a null value is not sent, so it cannot blank the target; onEmpty: clear removes it.
      if (mapping.clearsWhenEmpty && mapping.apply === 'always') cleared.push(mapping.target.text);
      continue;
    }
    const coerced = coerceValue(value as ScimValue, mapping.type);
    if (!coerced.ok) return { ok: false, error: `${mapping.target.text}: ${coerced.error}` };
    value = coerced.value;
    (mapping.apply === 'on-create' ? createOnly : attributes)[mapping.target.text] = value;
  }
  if (set.derivesActive) attributes.active = !softDeleted;
  if (set.customJson) {
    const json = customJsonValue(set, attributes);
    if (json !== undefined) createOnly[set.customJson.text] = json;
  }
  return {
    ok: true,
    value: {
      attributes,
      createOnly,
      ...(Object.keys(valueSets).length > 0 ? { valueSets } : {}),
      ...(cleared.length > 0 ? { cleared } : {}),
      ...(Object.keys(references).length > 0 ? { references } : {}),
    },
  };
}

/**
 * Flip-style customJson: the custom attributes travel as one JSON string on create, because Entra-tested
 * apps cannot rely on complex extension attributes arriving in the first POST. JSON.stringify escapes
 * quotes, backslashes and control characters that a hand-built Join would break on.
 */
function customJsonValue(set: MappingSet, attributes: Readonly<Record<string, ScimValue>>): string | undefined {
  const entries: { technicalName: string; value: ScimValue }[] = [];
  for (const mapping of set.mappings) {
    const { filter, subAttribute } = mapping.target;
    if (filter?.attribute !== 'technicalName' || subAttribute !== 'value') continue;
    const value = attributes[mapping.target.text];
    if (value !== undefined) entries.push({ technicalName: filter.value, value });
  }
  return entries.length === 0 ? undefined : JSON.stringify({ attributes: entries });
}

/** The paths a create carries inside customJson instead of as complex attributes. */
export function isCarriedByCustomJson(set: MappingSet, path: TargetPath): boolean {
  return set.customJson !== undefined && path.filter?.attribute === 'technicalName' && path.subAttribute === 'value';
}

function isEmpty(value: unknown): boolean {
  return value === undefined || value === null || value === '' || (Array.isArray(value) && value.length === 0);
}

function createScope(attributes: Attributes, softDeleted: boolean, env: MappingEnvironment): EvaluationScope {
  let lowerCased: Map<string, AttributeValue> | undefined;
  return {
    attribute(name) {
      if (name in attributes) return attributes[name];
      const lower = name.toLowerCase();
      if (lower === 'issoftdeleted') return softDeleted ? 'True' : 'False';
      // Entra attribute names are case-insensitive; index lazily since most lookups hit exactly.
      if (!lowerCased) lowerCased = new Map(Object.entries(attributes).map(([k, v]) => [k.toLowerCase(), v]));
      return lowerCased.get(lower);
    },
    now: () => env.now(),
    random: () => env.random(),
  };
}
