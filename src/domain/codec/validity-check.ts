import { compilePlan, type CompiledCheck } from './validity-plan-compiler';

/**
 * A fast answer to "does this object pass its class-validator constraints?", for the common case
 * where it does. Events are validated on every raise and on every replayed row; class-validator's
 * executor builds a `ValidationError` (with its own objects and arrays) for every property of
 * every object, filters its metadata lists per property and then throws most of it away. The
 * check below follows a per-class plan built once from the same metadata and calls the same
 * constraint instances with the same arguments, allocating nothing but those arguments. Each
 * plan is compiled to a function of its own ({@link compilePlan}); a generic walk of the plan
 * does the same where code cannot be generated.
 *
 * It answers "valid" or "not proven valid": on `false` the caller runs class-validator itself,
 * which decides and reports the errors. Where class-validator would throw (a condition that
 * throws, say) the check throws as well, or says "not proven" and leaves it to class-validator.
 * A class using anything the plan does not model (promise validation, unknown validation types,
 * property names that `Object.prototype` also has) is never proven valid here.
 *
 * Constraint instances come from class-validator's container, so `useContainer()` applies.
 * class-validator asks its container for every value it checks, and its own container finds an
 * instance by a linear search over every constraint class the process has declared (one per
 * decorator use): that search cost a replayed event more than its constraints did. The check
 * asks once per {@link ValidityCheckSource.containerStamp} instead, which changes on every tick:
 * a `useContainer()` call applies from the next tick.
 *
 * Plans are built from class-validator's public metadata at a class's first check and kept.
 */

/** The parts of class-validator's `ValidationMetadata` read here. */
export interface ValidationMetadataLike {
  readonly type: string;
  readonly propertyName: string;
  readonly constraints: unknown[];
  readonly constraintCls?: unknown;
  readonly each?: boolean;
  readonly validateIf?: (object: object, value: unknown) => boolean;
}

/** The parts of class-validator's `ConstraintMetadata` read here. */
export interface ConstraintMetadataLike {
  readonly async?: boolean;
  readonly instance: {
    validate(value: unknown, args: ValidationArgumentsLike): unknown;
  };
}

interface ValidationArgumentsLike {
  readonly targetName: string | undefined;
  readonly property: string;
  readonly object: object;
  readonly value: unknown;
  readonly constraints: unknown[];
}

/** Where the check finds a class's metadata (class-validator's storage, memoized). */
export interface ValidityCheckSource {
  /** The metadata class-validator's executor uses for an object of this class (no groups). */
  metadataOf(type: unknown): readonly ValidationMetadataLike[];
  constraintsOf(constraintCls: unknown): readonly ConstraintMetadataLike[];
  /**
   * Changes whenever the constraint instances class-validator's container hands out may have
   * changed (at least once per tick). Instances are asked for again when it changes.
   */
  containerStamp(): number;
}

type ConstraintInstance = ConstraintMetadataLike['instance'];

/** Options of {@link createValidityCheck}. */
export interface ValidityCheckOptions {
  /**
   * Compile each class's plan to a function of its own (see {@link compilePlan}); default true.
   * False walks every plan generically, as happens anyway where code cannot be generated.
   */
  readonly compile?: boolean;
}

/** One validation metadata entry of a property, with the constraints it runs. */
export interface Rule {
  readonly metadata: ValidationMetadataLike;
  /** The constraints to run (async ones are ignored, as validateSync ignores them). */
  readonly constraints: readonly ConstraintMetadataLike[];
  /** Their instances, as the container handed them out at {@link Rule.stamp}. */
  instances: ConstraintInstance[];
  /** The container stamp the instances were taken at; NaN before the first time. */
  stamp: number;
}

/** What is checked for one property, in class-validator's order. */
export interface PropertyPlan {
  readonly name: string;
  readonly conditions: ReadonlyArray<(object: object, value: unknown) => unknown>;
  readonly defined: readonly Rule[];
  readonly custom: readonly Rule[];
  readonly nested: boolean;
}

/** What is checked for an object of one class. */
export interface ClassPlan {
  /** `constructor.name`, as class-validator passes it to constraints as `targetName`. */
  readonly targetName: string | undefined;
  readonly properties: readonly PropertyPlan[];
  /** The plan compiled to a function of its own (see {@link compilePlan}), when it could be. */
  compiled?: CompiledCheck;
}

const CUSTOM = 'customValidation';
const NESTED = 'nestedValidation';
const CONDITIONAL = 'conditionalValidation';
const IS_DEFINED = 'isDefined';
const WHITELIST = 'whitelistValidation';

/**
 * Returns a function that is true only when class-validator (with `forbidUnknownValues: false`,
 * no groups, no skip options, async validations ignored) would report no error for the object.
 */
export function createValidityCheck(
  source: ValidityCheckSource,
  options: ValidityCheckOptions = {},
): (object: object) => boolean {
  const compile = options.compile ?? true;
  // Null: the class uses something this check does not model.
  const plans = new Map<unknown, ClassPlan | null>();

  // The class asked for last, and its plan: a replay checks the same few classes in a row.
  let lastType: unknown;
  let lastPlan: ClassPlan | null = null;

  const planOf = (type: unknown): ClassPlan | null => {
    if (type === lastType) return lastPlan;
    let plan = plans.get(type);
    if (plan === undefined) {
      plan = buildPlan(source, type);
      if (plan && compile)
        plan.compiled = compilePlan(plan, { passesRule, checkNested, refresh, isTrue });
      plans.set(type, plan);
    }
    lastType = type;
    lastPlan = plan;
    return plan;
  };

  let stamp = Number.NaN;
  const check = (object: object): boolean => {
    stamp = source.containerStamp();
    return checkObject(object);
  };

  const checkObject = (object: object): boolean => {
    const plan = planOf((object as { constructor?: unknown }).constructor);
    if (plan === null) return false;
    if (plan.compiled) return plan.compiled(object, stamp);
    for (const property of plan.properties) {
      const value = (object as Record<string, unknown>)[property.name];
      if (!checkProperty(object, value, property, plan.targetName)) return false;
    }
    return true;
  };

  const checkNested = (value: unknown): boolean => {
    if (Array.isArray(value)) {
      // class-validator walks arrays with forEach: holes are skipped.
      for (let i = 0; i < value.length; i++) {
        if (i in value && value[i] !== undefined && !checkNested(value[i])) return false;
      }
      return true;
    }
    if (value instanceof Map) {
      for (const [key, element] of value) {
        // class-validator names the element by `key.toString()`, which throws for these.
        if (typeof (key as { toString?: unknown } | null | undefined)?.toString !== 'function') {
          return false;
        }
        if (element !== undefined && !checkNested(element)) return false;
      }
      return true;
    }
    if (value instanceof Set) {
      for (const element of value) if (element !== undefined && !checkNested(element)) return false;
      return true;
    }
    return value instanceof Object && checkObject(value);
  };

  const checkProperty = (
    object: object,
    value: unknown,
    property: PropertyPlan,
    targetName: string | undefined,
  ): boolean => {
    // Every condition runs, as in class-validator (one that throws throws here too).
    let conditionsHold = true;
    for (const condition of property.conditions) {
      if (!condition(object, value)) conditionsHold = false;
    }
    if (!conditionsHold) return true;
    if (!passes(object, value, property.defined, targetName, stamp)) return false;
    if (!passes(object, value, property.custom, targetName, stamp)) return false;
    return !property.nested || value === undefined || checkNested(value);
  };

  return check;
}

function passes(
  object: object,
  value: unknown,
  rules: readonly Rule[],
  targetName: string | undefined,
  stamp: number,
): boolean {
  for (const rule of rules) {
    if (!passesRule(rule, object, value, targetName, stamp)) return false;
  }
  return true;
}

/** Takes the rule's constraint instances from the container again (see {@link Rule.stamp}). */
function refresh(rule: Rule, stamp: number): void {
  rule.instances = rule.constraints.map((constraint) => constraint.instance);
  rule.stamp = stamp;
}

/** True when the value passes every constraint of one rule (or the rule does not apply). */
function passesRule(
  rule: Rule,
  object: object,
  value: unknown,
  targetName: string | undefined,
  stamp: number,
): boolean {
  const metadata = rule.metadata;
  if (metadata.validateIf && !metadata.validateIf(object, value)) return true;
  if (rule.stamp !== stamp) refresh(rule, stamp);
  for (const validator of rule.instances) {
    const args: ValidationArgumentsLike = {
      targetName,
      property: metadata.propertyName,
      object,
      value,
      constraints: metadata.constraints,
    };
    if (metadata.each && Array.isArray(value)) {
      // class-validator maps over the array: holes are skipped.
      for (let i = 0; i < value.length; i++) {
        if (i in value && !isTrue(validator.validate(value[i], args))) return false;
      }
    } else if (metadata.each && (value instanceof Set || value instanceof Map)) {
      for (const element of value instanceof Map ? value.values() : value) {
        if (!isTrue(validator.validate(element, args))) return false;
      }
    } else if (!isTrue(validator.validate(value, args))) {
      return false;
    }
  }
  return true;
}

/** A promise is "not proven": class-validator decides what it does with it. */
function isTrue(result: unknown): boolean {
  if (!result) return false;
  return !(typeof result === 'object' && typeof (result as { then?: unknown }).then === 'function');
}

function buildPlan(source: ValidityCheckSource, type: unknown): ClassPlan | null {
  const byProperty = new Map<string, ValidationMetadataLike[]>();
  for (const metadata of source.metadataOf(type)) {
    const list = byProperty.get(metadata.propertyName);
    if (list) list.push(metadata);
    else byProperty.set(metadata.propertyName, [metadata]);
  }
  const plan: PropertyPlan[] = [];
  for (const [name, metadatas] of byProperty) {
    // class-validator groups metadata in a plain object, which such names break.
    if (name in Object.prototype) return null;
    const conditions: Array<(object: object, value: unknown) => unknown> = [];
    const defined: Rule[] = [];
    const custom: Rule[] = [];
    let nested = false;
    for (const metadata of metadatas) {
      switch (metadata.type) {
        case CONDITIONAL: {
          const condition = metadata.constraints?.[0];
          if (typeof condition !== 'function') return null;
          conditions.push(condition as (object: object, value: unknown) => unknown);
          break;
        }
        case IS_DEFINED:
        case CUSTOM: {
          const constraints = source
            .constraintsOf(metadata.constraintCls)
            .filter((constraint) => !constraint.async);
          (metadata.type === IS_DEFINED ? defined : custom).push({
            metadata,
            constraints,
            instances: [],
            stamp: Number.NaN,
          });
          break;
        }
        case NESTED:
          nested = true;
          break;
        case WHITELIST:
          break;
        default:
          return null;
      }
    }
    plan.push({ name, conditions, defined, custom, nested });
  }
  const targetName = (type as { name?: unknown } | undefined)?.name;
  return { targetName: typeof targetName === 'string' ? targetName : undefined, properties: plan };
}
