import type { EventClass } from './event-class';
import { inferredConversion, type Conversion } from './inferred-type';
import {
  hasMetadata,
  transformerStorage,
  typeMetadataOf,
  type TypeMetadataLike,
} from './transformer-storage';

/*
 * How `plainToEvent` builds instances of one event class (or value-object class): worked out
 * once per class from class-transformer's metadata, so replay knows which classes and which
 * `@Type` properties it builds itself and which it leaves to class-transformer.
 */

export type { Conversion } from './inferred-type';

/** A property declared with `@Type` that plainToEvent converts itself. */
export interface TypedProperty {
  readonly to: Conversion;
  /**
   * An array value becomes an array of converted elements. False when the property's declared
   * TypeScript type would make class-transformer build another container (a Set, say).
   */
  readonly arraysAllowed: boolean;
}

/** How plainToEvent builds instances of one class, worked out on its first use. */
export interface EventRecipe {
  /** Built by plainToEvent when the payload fits; false when class-transformer must build it. */
  readonly fast: boolean;
  /**
   * The prototype's own property names, besides `constructor`, that class-transformer would not
   * assign (methods, getters without a setter); undefined when there are none.
   */
  readonly skipped: ReadonlySet<string> | undefined;
  /** The properties declared with `@Type`; undefined when there are none. */
  readonly typed: ReadonlyMap<string, TypedProperty> | undefined;
  /**
   * What the `design:type` of each property without `@Type` implies (see
   * {@link inferredConversion}), filled as payload keys are met; null where nothing is inferred.
   */
  readonly inferred: Map<string, Conversion | null>;
}

// Payload keys are data: only short keys are remembered, and only so many per class.
const MAX_INFERRED_KEYS = 1000;
const MAX_INFERRED_KEY_LENGTH = 64;

/**
 * The conversion `key` gets on the way back from JSON when it has no `@Type`: what its
 * `design:type` implies, or undefined.
 */
export function inferredOf(
  recipe: EventRecipe,
  type: EventClass,
  key: string,
): Conversion | undefined {
  const known = recipe.inferred.get(key);
  if (known !== undefined) return known ?? undefined;
  const found = inferredConversion(type, key);
  if (key.length <= MAX_INFERRED_KEY_LENGTH && recipe.inferred.size < MAX_INFERRED_KEYS) {
    recipe.inferred.set(key, found ?? null);
  }
  return found;
}

const recipes = new WeakMap<EventClass, EventRecipe>();

/**
 * The recipe of `type`, worked out with those of the classes its `@Type` properties declare.
 * A class met again while its own recipe is being worked out (a cycle of declared classes) is
 * assumed fast; a result that rests on that assumption is kept only if the assumption held.
 */
export function recipeOf(type: EventClass): EventRecipe {
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

const ASSUMED_FAST: EventRecipe = {
  fast: true,
  skipped: undefined,
  typed: undefined,
  inferred: new Map(),
};

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
    inferred: new Map(),
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
