import { plainToInstance } from 'class-transformer';
import type { EventClass } from './metadata/event-class';
import { hasMetadata, transformerStorage, typeMetadataOf } from './transformer-storage';

/** What a property declared with `@Type` becomes: a Date, or an instance of a class. */
type Conversion = DateConstructor | EventClass;

interface TypedProperty {
  readonly to: Conversion;
  /**
   * An array value becomes an array of converted elements. False when the property's declared
   * TypeScript type would make class-transformer build another container (a class of its own).
   */
  readonly arraysAllowed: boolean;
}

/** How {@link plainToEvent} builds instances of one class, worked out on its first use. */
interface EventRecipe {
  /** Built here; false when class-transformer must build it (see {@link plainToEvent}). */
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

/** Thrown inside a build that meets a value only class-transformer converts exactly. */
const NOT_FAST: unique symbol = Symbol('not on the fast path');

/**
 * Builds an event instance from a freshly parsed payload, as `plainToInstance` would, without
 * class-transformer's generic walk for the common shapes of events: classes whose only
 * class-transformer decorator is `@Type(() => Date)` or `@Type(() => ValueObject)` (with a
 * value-object class that again qualifies), single values or arrays of them, and classes with
 * no class-transformer decorator at all. The result is the same (a new instance with the
 * payload's properties, Dates and nested instances where `@Type` asks for them,
 * `__proto__`/`constructor` keys, getters and methods left alone). Anything else — `@Transform`,
 * `@Expose`, `@Exclude`, a discriminator, a type function that reads its options, a Set or Map
 * property, a value of a shape class-transformer treats specially — goes to `plainToInstance`.
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
  if (!recipe.fast) return plainToInstance(type, payload) as E;
  try {
    return build(type, recipe, payload) as E;
  } catch (error) {
    if (error === NOT_FAST) return plainToInstance(type, payload) as E;
    throw error;
  }
}

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
    instance[key] = property === undefined ? payload[key] : convert(property, payload[key]);
  }
  return instance;
}

function convert(property: TypedProperty, value: unknown): unknown {
  if (!Array.isArray(value)) return convertOne(property.to, value);
  if (!property.arraysAllowed) throw NOT_FAST;
  return value.map((element: unknown) => {
    if (Array.isArray(element)) throw NOT_FAST;
    return convertOne(property.to, element);
  });
}

/** One value as class-transformer's `transform` turns it into the declared type. */
function convertOne(to: Conversion, value: unknown): unknown {
  if (value === null || value === undefined) return value;
  if (to === Date) {
    if (typeof value === 'string' || typeof value === 'number') return new Date(value);
    throw NOT_FAST;
  }
  // A string, number or boolean where a class is declared is kept (validation judges it).
  if (typeof value !== 'object') return value;
  const recipe = recipeOf(to as EventClass);
  if (!recipe.fast) throw NOT_FAST;
  return build(to as EventClass, recipe, value as Record<string, unknown>);
}

function recipeOf(type: EventClass, inProgress?: Set<EventClass>): EventRecipe {
  let recipe = recipes.get(type);
  if (recipe !== undefined) return recipe;
  const visiting = inProgress ?? new Set<EventClass>();
  visiting.add(type);
  const typed = typedProperties(type, visiting);
  visiting.delete(type);
  recipe = {
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
  // A recipe worked out inside a cycle of declared classes assumed the cycle's first class was
  // fast: only that class's own recipe is final (the others are worked out again when used).
  if (visiting.size === 0) recipes.set(type, recipe);
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
  visiting: Set<EventClass>,
): Map<string, TypedProperty> | null {
  const typed = new Map<string, TypedProperty>();
  if (transformerStorage === undefined) return null;
  for (const [property, metadata] of typeMetadataOf(transformerStorage, type)) {
    const { typeFunction, reflectedType } = metadata;
    // A type function that reads its options can choose per value; a discriminator rewrites.
    if (metadata.options?.discriminator || typeof typeFunction !== 'function') return null;
    // A Map property makes class-transformer build a Map of the payload's entries.
    if (typeFunction.length > 0 || reflectedType === Map) return null;
    let declared: unknown;
    try {
      declared = typeFunction();
    } catch {
      return null;
    }
    if (!isConvertible(declared, visiting)) return null;
    typed.set(property, {
      to: declared,
      arraysAllowed:
        reflectedType === undefined || reflectedType === Array || reflectedType === Object,
    });
  }
  return typed;
}

const OTHER_BUILT_INS = new Set<unknown>([String, Number, Boolean, Object, Array, BigInt, Buffer]);

function isConvertible(declared: unknown, visiting: Set<EventClass>): declared is Conversion {
  if (declared === Date) return true;
  if (typeof declared !== 'function' || OTHER_BUILT_INS.has(declared)) return false;
  const type = declared as EventClass;
  return visiting.has(type) || recipeOf(type, visiting).fast;
}
