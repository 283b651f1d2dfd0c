import 'reflect-metadata';
import type { EventClass } from './event-class';

/** What a property becomes on the way back from JSON: a Date, or an instance of a class. */
export type Conversion = DateConstructor | EventClass;

// Built-ins whose design:type says nothing a JSON value can be turned back into.
const NOT_INFERRED = new Set<unknown>([
  String,
  Number,
  Boolean,
  Object,
  Array,
  BigInt,
  Symbol,
  Function,
  Buffer,
  Promise,
  Map,
  Set,
  WeakMap,
  WeakSet,
]);

/**
 * The conversion TypeScript's own type annotation implies for a decorated property: with
 * `emitDecoratorMetadata`, every property that carries a decorator (a class-validator rule, say)
 * has its declared type as `design:type` metadata, `Date` for `openedOn: Date` and the class for
 * `owner: Owner`. Arrays, unions and interfaces are emitted as `Array` or `Object`, which say
 * nothing: those need `@Type`. Undefined when nothing can be inferred.
 */
export function inferredConversion(type: EventClass, key: string): Conversion | undefined {
  const declared: unknown = Reflect.getMetadata('design:type', type.prototype as object, key);
  if (declared === Date) return Date;
  if (typeof declared !== 'function' || NOT_INFERRED.has(declared)) return undefined;
  const prototype: unknown = declared.prototype;
  // An arrow function has no prototype (no class); collections and errors are not value objects.
  if (
    typeof prototype !== 'object' ||
    prototype === null ||
    prototype instanceof Map ||
    prototype instanceof Set ||
    prototype instanceof Error
  ) {
    return undefined;
  }
  return declared as EventClass;
}
