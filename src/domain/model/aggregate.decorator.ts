import { RegistrationError } from '../errors/registration-error';
import { definitionSite } from '../codec/definition-site';

const NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_.:-]{0,254}$/;
const typeNames = new WeakMap<object, string>();
const snapshotPolicies = new WeakMap<object, SnapshotPolicy>();

/** Options of {@link Aggregate}. */
export interface AggregateOptions {
  /**
   * Write a snapshot of the aggregate's state every this many events (in the same statement as
   * the events that reach the multiple), so a load reads the snapshot and only the events after
   * it. Off when omitted.
   */
  readonly snapshotEvery?: number;
  /**
   * Version of the snapshot's shape. Bump it when the aggregate's fields change: snapshots of
   * another version are ignored on load (the events are replayed instead) and replaced on the
   * next save. Default 1.
   */
  readonly snapshotVersion?: number;
}

/** The snapshot policy of an aggregate class. */
export interface SnapshotPolicy {
  readonly every: number;
  readonly version: number;
}
const namesInUse = new Map<string, { readonly type: object; readonly definedIn?: string }>();

/**
 * Gives an aggregate class its stable type name, stored as `aggregate_type`. Like event names,
 * it survives minification and renames. A duplicate name is rejected when the module loads.
 *
 * @example
 * ```ts
 * @Aggregate('BankAccount')
 * export class BankAccount extends AggregateRoot { ... }
 * ```
 */
export function Aggregate(name: string, options: AggregateOptions = {}) {
  return (target: abstract new (...args: never[]) => object): void => {
    const { snapshotEvery, snapshotVersion = 1 } = options;
    if (snapshotEvery !== undefined && !(Number.isInteger(snapshotEvery) && snapshotEvery > 0)) {
      throw new RegistrationError(
        `aggregate ${name}: snapshotEvery must be a positive integer, got ${snapshotEvery}`,
      );
    }
    if (!(Number.isInteger(snapshotVersion) && snapshotVersion > 0)) {
      throw new RegistrationError(
        `aggregate ${name}: snapshotVersion must be a positive integer, got ${snapshotVersion}`,
      );
    }
    if (typeof name !== 'string' || !NAME_PATTERN.test(name)) {
      throw new RegistrationError(
        `aggregate type name ${JSON.stringify(name)} on ${target.name} is invalid: use 1-255 characters, a letter first, then letters, digits, '_', '.', ':' or '-'`,
      );
    }
    const holder = namesInUse.get(name);
    const definedIn = definitionSite();
    // The same class name decorated again in the same file is a test watcher evaluating the
    // module again: the new class takes the name.
    const reevaluated =
      definedIn !== undefined &&
      holder?.definedIn === definedIn &&
      (holder.type as { name: string }).name === target.name;
    if (holder && holder.type !== target && !reevaluated) {
      throw new RegistrationError(
        `aggregate type name "${name}" is already used by ${(holder.type as { name: string }).name}`,
      );
    }
    namesInUse.set(name, { type: target, definedIn });
    typeNames.set(target, name);
    if (snapshotEvery !== undefined) {
      snapshotPolicies.set(target, { every: snapshotEvery, version: snapshotVersion });
    }
  };
}

/**
 * The stable type name of an aggregate class (own `@Aggregate` name only: a subclass needs its
 * own). Throws {@link RegistrationError} when the class was not decorated.
 */
export function aggregateTypeName(type: object): string {
  const name = typeNames.get(type);
  if (name === undefined) {
    throw new RegistrationError(
      `${(type as { name?: string }).name ?? 'class'} has no aggregate type name: decorate it with @Aggregate('StableName')`,
    );
  }
  return name;
}

/** The snapshot policy of an aggregate class, or undefined when it takes no snapshots. */
export function snapshotPolicyOf(type: object): SnapshotPolicy | undefined {
  return snapshotPolicies.get(type);
}
