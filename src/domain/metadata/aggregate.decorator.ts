import { RegistrationError } from '../errors/registration-error';

const NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_.:-]{0,254}$/;
const typeNames = new WeakMap<object, string>();
const namesInUse = new Map<string, object>();

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
export function Aggregate(name: string) {
  return (target: abstract new (...args: never[]) => object): void => {
    if (typeof name !== 'string' || !NAME_PATTERN.test(name)) {
      throw new RegistrationError(
        `aggregate type name ${JSON.stringify(name)} on ${target.name} is invalid: use 1-255 characters, a letter first, then letters, digits, '_', '.', ':' or '-'`,
      );
    }
    const holder = namesInUse.get(name);
    if (holder && holder !== target) {
      throw new RegistrationError(
        `aggregate type name "${name}" is already used by ${(holder as { name: string }).name}`,
      );
    }
    namesInUse.set(name, target);
    typeNames.set(target, name);
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
