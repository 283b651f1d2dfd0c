/**
 * A fast answer to "does this object pass its class-validator constraints?", for the common case
 * where it does. Events are validated on every raise and on every replayed row; class-validator's
 * executor builds a `ValidationError` (with its own objects and arrays) for every property of
 * every object, filters its metadata lists per property and then throws most of it away. The
 * check below walks a per-class plan built once from the same metadata and calls the same
 * constraint instances with the same arguments, allocating nothing but those arguments.
 *
 * It only ever answers "valid" or "not proven valid": on `false` the caller runs class-validator
 * itself, which decides and reports the errors. A class using anything the plan does not model
 * (promise validation, unknown validation types) is never proven valid here.
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
  /** Changes whenever metadata is added, so plans built earlier are dropped. */
  generation(): number;
}

interface Rule {
  readonly metadata: ValidationMetadataLike;
  readonly validators: ReadonlyArray<ConstraintMetadataLike['instance']>;
}

interface PropertyPlan {
  readonly name: string;
  readonly conditions: ReadonlyArray<(object: object, value: unknown) => unknown>;
  readonly defined: readonly Rule[];
  readonly custom: readonly Rule[];
  readonly nested: boolean;
}

interface ClassPlan {
  /** `constructor.name`, as class-validator passes it to constraints as `targetName`. */
  readonly targetName: string | undefined;
  readonly properties: readonly PropertyPlan[];
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
export function createValidityCheck(source: ValidityCheckSource): (object: object) => boolean {
  // Null: the class uses something this check does not model.
  let plans = new Map<unknown, ClassPlan | null>();
  let generation = source.generation();

  const planOf = (type: unknown): ClassPlan | null => {
    const current = source.generation();
    if (current !== generation) {
      plans = new Map();
      generation = current;
    }
    let plan = plans.get(type);
    if (plan === undefined) {
      plan = buildPlan(source, type);
      plans.set(type, plan);
    }
    return plan;
  };

  const checkObject = (object: object): boolean => {
    const plan = planOf((object as { constructor?: unknown }).constructor);
    if (plan === null) return false;
    for (const property of plan.properties) {
      const value = (object as Record<string, unknown>)[property.name];
      if (!checkProperty(object, value, property, plan.targetName)) return false;
    }
    return true;
  };

  const checkNested = (value: unknown): boolean => {
    if (Array.isArray(value) || value instanceof Set || value instanceof Map) {
      for (const element of value instanceof Map ? value.values() : value) {
        if (element !== undefined && !checkNested(element)) return false;
      }
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
    for (const condition of property.conditions) if (!condition(object, value)) return true;
    if (!passes(object, value, property.defined, targetName)) return false;
    if (!passes(object, value, property.custom, targetName)) return false;
    return !property.nested || value === undefined || checkNested(value);
  };

  return checkObject;
}

function passes(
  object: object,
  value: unknown,
  rules: readonly Rule[],
  targetName: string | undefined,
): boolean {
  for (const { metadata, validators } of rules) {
    if (metadata.validateIf && !metadata.validateIf(object, value)) continue;
    for (const validator of validators) {
      const args: ValidationArgumentsLike = {
        targetName,
        property: metadata.propertyName,
        object,
        value,
        constraints: metadata.constraints,
      };
      if (metadata.each && (Array.isArray(value) || value instanceof Set || value instanceof Map)) {
        for (const element of value instanceof Map ? value.values() : value) {
          if (!isTrue(validator.validate(element, args))) return false;
        }
      } else if (!isTrue(validator.validate(value, args))) {
        return false;
      }
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
          const validators = source
            .constraintsOf(metadata.constraintCls)
            .filter((constraint) => !constraint.async)
            .map((constraint) => constraint.instance);
          (metadata.type === IS_DEFINED ? defined : custom).push({ metadata, validators });
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
