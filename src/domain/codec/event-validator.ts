import {
  getMetadataStorage,
  validateSync,
  Validator,
  type ValidationError,
  type ValidatorOptions,
} from 'class-validator';
import {
  InvalidEventError,
  type EventViolation,
  type StoredEventLocation,
} from '../errors/invalid-event-error';
import {
  createValidityCheck,
  type ConstraintMetadataLike,
  type ValidationMetadataLike,
} from './validity-check';
import { isForgottenAt } from '../personal-data/forgotten-value';

const OPTIONS: ValidatorOptions = {
  forbidUnknownValues: false,
  validationError: { target: false, value: false },
};

/**
 * Runs the event's class-validator constraints (nested ones too, with `@ValidateNested()`) and
 * throws {@link InvalidEventError} listing every failure with its property path.
 */
export function assertValidEvent(
  event: object,
  eventType: string,
  location?: StoredEventLocation,
): void {
  if (isValid(event)) return;
  // A forgotten personal value is the placeholder, not data: its constraints do not apply.
  const violations = flatten(validate(event), '').filter((v) => !isForgottenAt(event, v.property));
  if (violations.length > 0) throw new InvalidEventError(eventType, violations, location);
}

function flatten(errors: readonly ValidationError[], prefix: string): EventViolation[] {
  const out: EventViolation[] = [];
  for (const error of errors) {
    const property = prefix ? `${prefix}.${error.property}` : error.property;
    if (error.constraints && Object.keys(error.constraints).length > 0) {
      out.push({ property, constraints: { ...error.constraints } });
    }
    if (error.children && error.children.length > 0) out.push(...flatten(error.children, property));
  }
  return out;
}

/** The parts of class-validator's metadata storage and executor used below. */
interface MetadataStorageLike {
  getTargetValidationMetadatas(
    type: unknown,
    schema: unknown,
    always: unknown,
    strict: unknown,
    groups?: unknown[],
  ): unknown[];
  groupByPropertyName(metadatas: unknown[]): unknown;
  getTargetValidatorConstraints(target: unknown): ConstraintMetadataLike[];
}
interface ExecutorLike {
  metadataStorage: MetadataStorageLike;
  ignoreAsyncValidations: boolean;
  awaitingPromises: unknown[];
  execute(object: object, schema: undefined, errors: ValidationError[]): void;
  stripEmptyErrors(errors: ValidationError[]): ValidationError[];
}
type ExecutorClass = new (validator: Validator, options: ValidatorOptions) => ExecutorLike;

const storage = getMetadataStorage() as unknown as MetadataStorageLike;
const metadataOf = memoizedMetadata(storage);
/**
 * True only when class-validator would report no error for the object (see
 * {@link createValidityCheck}); {@link assertValidEvent} asks it first and runs class-validator
 * only when it says no.
 */
export const isValid = createValidityCheck({
  metadataOf: (type) => metadataOf(type) as ValidationMetadataLike[],
  constraintsOf: (constraintCls) => storage.getTargetValidatorConstraints(constraintCls),
  containerStamp: tickStamp(),
});
const validate = buildValidate();

/**
 * A stamp that changes once per tick: class-validator's container may hand out other constraint
 * instances after a `useContainer()` call or when a DI container changes its answer, and neither
 * can be observed without patching class-validator, so instances are asked for again on the next
 * tick.
 */
function tickStamp(): () => number {
  let stamp = 0;
  let scheduled = false;
  const nextTick = (): void => {
    scheduled = false;
    stamp += 1;
  };
  return () => {
    if (!scheduled) {
      scheduled = true;
      queueMicrotask(nextTick);
    }
    return stamp;
  };
}

/**
 * class-validator's metadata lookup for an object of `type` (no groups), read at the class's
 * first validation and kept: decorators have all run by the time an instance of the class
 * exists. A rule added to a class later, with `registerDecorator` on an already validated class,
 * is not seen.
 */
function memoizedMetadata(target: MetadataStorageLike): (type: unknown) => unknown[] {
  const byClass = new Map<unknown, unknown[]>();
  return (type) => {
    let metadatas = byClass.get(type);
    if (!metadatas) {
      metadatas = target.getTargetValidationMetadatas(type, undefined, false, false, undefined);
      byClass.set(type, metadatas);
    }
    return metadatas;
  };
}

/**
 * class-validator's `validateSync`, minus its per-call cost: for every object it collects the
 * class's metadata by scanning every validated class in the process (an `instanceof` per class)
 * and regroups it. Events are validated on every raise and every replayed row, so the lookup is
 * memoized per class (see {@link memoizedMetadata}). Validation itself,
 * and every error it reports, is class-validator's own. Falls back to plain `validateSync` if a
 * future class-validator moves these internals.
 */
function buildValidate(): (object: object) => ValidationError[] {
  let Executor: ExecutorClass | undefined;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const internals = require('class-validator/cjs/validation/ValidationExecutor') as {
      ValidationExecutor?: ExecutorClass;
    };
    Executor = internals.ValidationExecutor;
  } catch {
    Executor = undefined;
  }
  if (!Executor) return (object) => validateSync(object, OPTIONS);

  const grouped = new WeakMap<unknown[], unknown>();
  const view = Object.create(storage) as MetadataStorageLike;
  view.getTargetValidationMetadatas = (type, schema, always, strict, groups) => {
    if (schema !== undefined || always || strict || (groups && groups.length > 0)) {
      return storage.getTargetValidationMetadatas(type, schema, always, strict, groups);
    }
    return metadataOf(type);
  };
  view.groupByPropertyName = (metadatas) => {
    let result = grouped.get(metadatas);
    if (result === undefined) {
      result = storage.groupByPropertyName(metadatas);
      grouped.set(metadatas, result);
    }
    return result;
  };
  const validator = new Validator();
  const Ctor = Executor;
  // One executor serves every call: with async validations ignored it keeps no state between
  // calls, and replay validates one object per row.
  const executor = new Ctor(validator, OPTIONS);
  executor.metadataStorage = view;
  executor.ignoreAsyncValidations = true;
  return (object) => {
    const errors: ValidationError[] = [];
    executor.execute(object, undefined, errors);
    // A validator that returns a promise anyway is ignored here, as validateSync ignores it.
    executor.awaitingPromises.length = 0;
    return executor.stripEmptyErrors(errors);
  };
}
