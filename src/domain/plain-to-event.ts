import { plainToInstance } from 'class-transformer';
import type { EventClass } from './metadata/event-class';
import {
  hasMetadata,
  transformerStorage,
  typeMetadataOf,
  type TypeMetadataLike,
} from './transformer-storage';

/** What a property declared with `@Type` becomes: a Date, or an instance of a class. */
type Conversion = DateConstructor | EventClass;

interface TypedProperty {
  readonly to: Conversion;
  /**
   * An array value becomes an array of converted elements. False when the property's declared
   * TypeScript type would make class-transformer build another container (a Set, say).
   */
  readonly arraysAllowed: boolean;
}

/** How {@link plainToEvent} builds instances of one class, worked out on its first use. */
interface EventRecipe {
  /** Built here when the payload {@link fits}; false when class-transformer must build it. */
  readonly fast: boolean;
  /**
   * The prototype's own property names, besides `constructor`, that class-transformer would not
   * assign (methods, getters without a setter); undefined when there are none.
   */
  readonly skipped: ReadonlySet<string> | undefined;
  /** The properties declared with `@Type`; undefined when there are none. */
  readonly typed: ReadonlyMap<string, TypedProperty> | undefined;
}

const recipes = new WeakMap<EventClass, EventRecipe>();

/**
 * Builds an event instance from a freshly parsed payload, as `plainToInstance` would, without
 * class-transformer's generic walk for the common shapes of events: classes whose only
 * class-transformer decorator is `@Type(() => Date)` or `@Type(() => ValueObject)` (with a
 * value-object class that again qualifies), single values or arrays of them, and classes with
 * no class-transformer decorator at all. The result is the same (a new instance with the
 * payload's properties, Dates and nested instances where `@Type` asks for them,
 * `__proto__`/`constructor` keys, getters and methods left alone). Anything else — `@Transform`,
 * `@Expose`, `@Exclude`, a discriminator, a type function that looks at its options, a Map
 * property, a built-in other than Date, a value of a shape class-transformer treats specially —
 * goes to `plainToInstance`, decided before anything is built.
 *
 * Nested values without `@Type` are shared with the payload, which callers parse anew for every
 * read, and kept as parsed: class-transformer's copy would drop nested keys named like
 * `Object.prototype` members (`valueOf`, `toString`), which replay gives back as they were raised
 * and stored.
 *
 * What a class's prototype and decorators define is read once, on the class's first use: a
 * class that changes its prototype afterwards (a getter defined at run time) is not seen to
 * change.
 */
export function plainToEvent<E extends object>(
  type: EventClass<E>,
  payload: Record<string, unknown>,
): E {
  const recipe = recipeOf(type);
  if (!recipe.fast || !fits(recipe, payload)) return plainToInstance(type, payload) as E;
  return build(type, recipe, payload) as E;
}

/**
 * True when every `@Type` value in `payload` (nested ones included) has a shape {@link build}
 * converts exactly as class-transformer would: null, undefined, an ISO string or a number for a
 * Date, an object or a primitive for a class, or an array of those where arrays are allowed.
 * It reads the payload only, so a payload that does not fit goes to class-transformer untouched.
 */
function fits(recipe: EventRecipe, payload: Record<string, unknown>): boolean {
  if (recipe.typed === undefined) return true;
  for (const [key, property] of recipe.typed) {
    if (!Object.prototype.hasOwnProperty.call(payload, key)) continue;
    const value = payload[key];
    if (!Array.isArray(value)) {
      if (!valueFits(property.to, value)) return false;
    } else if (!property.arraysAllowed || !value.every((e) => valueFits(property.to, e))) {
      return false;
    }
  }
  return true;
}

function valueFits(to: Conversion, value: unknown): boolean {
  if (value === null || value === undefined) return true;
  if (to === Date) return typeof value === 'string' || typeof value === 'number';
  if (typeof value !== 'object') return true;
  if (Array.isArray(value)) return false;
  const recipe = recipeOf(to as EventClass);
  return recipe.fast && fits(recipe, value as Record<string, unknown>);
}

/** Builds an instance from a payload that {@link fits} its recipe. */
function build(
  type: EventClass,
  recipe: EventRecipe,
  payload: Record<string, unknown>,
): Record<string, unknown> {
  const instance = new type() as Record<string, unknown>;
  const { skipped, typed } = recipe;
  for (const key of Object.keys(payload)) {
    if (key === '__proto__' || key === 'constructor' || skipped?.has(key)) continue;
    // An inherited method (or one the constructor set) is not overwritten either.
    if (typeof instance[key] === 'function') continue;
    const property = typed?.get(key);
    const value = payload[key];
    if (property === undefined) instance[key] = value;
    else if (Array.isArray(value)) instance[key] = value.map((e) => convert(property.to, e));
    else instance[key] = convert(property.to, value);
  }
  return instance;
}

/** One value that fits, as class-transformer's `transform` turns it into the declared type. */
function convert(to: Conversion, value: unknown): unknown {
  if (value === null || value === undefined) return value;
  if (to === Date) return new Date(value as string | number);
  // A string, number or boolean where a class is declared is kept (validation judges it).
  if (typeof value !== 'object') return value;
  const type = to as EventClass;
  return build(type, recipeOf(type), value as Record<string, unknown>);
}

/**
 * The recipe of `type`, worked out with those of the classes its `@Type` properties declare.
 * A class met again while its own recipe is being worked out (a cycle of declared classes) is
 * assumed fast; a result that rests on that assumption is kept only if the assumption held.
 */
function recipeOf(type: EventClass): EventRecipe {
  const known = recipes.get(type);
  if (known !== undefined) return known;
  const worked = new Map<EventClass, EventRecipe>();
  const recipe = workOut(type, worked);
  for (const [t, r] of worked) {
    // A "no" rests on no assumption; a "yes" only on assumptions of "yes", true if the first is.
    if (!r.fast || recipe.fast) recipes.set(t, r);
  }
  return recipe;
}

const ASSUMED_FAST: EventRecipe = { fast: true, skipped: undefined, typed: undefined };

function workOut(type: EventClass, worked: Map<EventClass, EventRecipe>): EventRecipe {
  const known = recipes.get(type) ?? worked.get(type);
  if (known !== undefined) return known;
  worked.set(type, ASSUMED_FAST);
  const typed = typedProperties(type, worked);
  const recipe: EventRecipe = {
    fast:
      transformerStorage !== undefined &&
      typed !== null &&
      !hasMetadata(transformerStorage, type, [
        '_transformMetadatas',
        '_exposeMetadatas',
        '_excludeMetadatas',
      ]),
    skipped: skippedKeys(type),
    typed: typed === null || typed.size === 0 ? undefined : typed,
  };
  worked.set(type, recipe);
  return recipe;
}

// class-transformer skips a key whose own descriptor on the prototype has no setter.
function skippedKeys(type: EventClass): ReadonlySet<string> | undefined {
  const prototype = type.prototype as object;
  const skipped = Reflect.ownKeys(prototype).filter(
    (key): key is string =>
      typeof key === 'string' &&
      key !== 'constructor' &&
      !Object.getOwnPropertyDescriptor(prototype, key)?.set,
  );
  return skipped.length > 0 ? new Set(skipped) : undefined;
}

/** The `@Type` properties of `type`, or null when one of them is not for the fast path. */
function typedProperties(
  type: EventClass,
  worked: Map<EventClass, EventRecipe>,
): Map<string, TypedProperty> | null {
  if (transformerStorage === undefined) return null;
  const typed = new Map<string, TypedProperty>();
  for (const [property, metadata] of typeMetadataOf(transformerStorage, type)) {
    const { reflectedType } = metadata;
    // A discriminator picks the class per value; a Map property becomes a Map of the entries.
    if (metadata.options?.discriminator || reflectedType === Map) return null;
    const declared = fixedType(metadata);
    if (declared === undefined || !isConvertible(declared.type, worked)) return null;
    typed.set(property, {
      to: declared.type,
      arraysAllowed:
        reflectedType === undefined || reflectedType === Array || reflectedType === Object,
    });
  }
  return typed;
}

/**
 * What the type function returns when it does not look at the options class-transformer hands
 * it (the object being built, the payload, the property): undefined when it does, or throws.
 * Its options are a proxy that notices any look; an arrow function with a rest parameter or a
 * default is caught as surely as one with a named parameter.
 */
function fixedType(metadata: TypeMetadataLike): { readonly type: unknown } | undefined {
  const typeFunction = metadata.typeFunction;
  if (typeof typeFunction !== 'function') return undefined;
  let looked = false;
  const look = (): never => {
    looked = true;
    throw new TypeError('tessera: this type function reads its options');
  };
  const options = new Proxy(
    {},
    {
      get: look,
      has: look,
      ownKeys: look,
      getOwnPropertyDescriptor: look,
      getPrototypeOf: look,
      defineProperty: look,
      set: look,
      deleteProperty: look,
      isExtensible: look,
      preventExtensions: look,
      setPrototypeOf: look,
    },
  );
  try {
    const type = typeFunction(options);
    return looked ? undefined : { type };
  } catch {
    return undefined;
  }
}

// Built-ins class-transformer converts in its own way (or cannot build), so never built here.
const BUILT_INS = new Set<unknown>([
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

function isConvertible(
  declared: unknown,
  worked: Map<EventClass, EventRecipe>,
): declared is Conversion {
  if (declared === Date) return true;
  if (typeof declared !== 'function' || BUILT_INS.has(declared)) return false;
  const prototype: unknown = declared.prototype;
  // An arrow function has no prototype (no class); a Map subclass gets its entries set.
  if (typeof prototype !== 'object' || prototype === null || prototype instanceof Map) return false;
  return workOut(declared as EventClass, worked).fast;
}
