import { plainToInstance } from 'class-transformer';
import type { EventClass } from './event-class';
import { inferredOf, recipeOf, type Conversion, type EventRecipe } from './event-recipe';

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
  if (!recipe.fast || !fits(recipe, payload)) {
    return withInferredTypes(type, recipe, plainToInstance(type, payload));
  }
  return build(type, recipe, payload) as E;
}

/**
 * Converts, on an instance class-transformer built, the properties without `@Type` whose
 * `design:type` names a Date or a class (class-transformer only reads `@Type`).
 */
function withInferredTypes<E extends object>(
  type: EventClass,
  recipe: EventRecipe,
  instance: E,
): E {
  const properties = instance as Record<string, unknown>;
  for (const key of Object.keys(properties)) {
    if (recipe.typed?.has(key)) continue;
    const to = inferredOf(recipe, type, key);
    if (to !== undefined) properties[key] = convertInferred(to, properties[key]);
  }
  return instance;
}

/**
 * A value as its inferred type gets it back: a string or number becomes a Date, a plain object an
 * instance of the class (built as an event is, so its own properties are converted too). Anything
 * else is kept for validation to judge.
 */
function convertInferred(to: Conversion, value: unknown): unknown {
  if (value === null || value === undefined) return value;
  if (to === Date) {
    return typeof value === 'string' || typeof value === 'number' ? new Date(value) : value;
  }
  if (typeof value !== 'object' || Array.isArray(value)) return value;
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  return plainToEvent(to, value as Record<string, unknown>);
}

/**
 * True when every `@Type` value in `payload` (nested ones included) has a shape {@link build}
 * converts exactly as class-transformer would: null, undefined, a string or a number for a
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
  const recipe = recipeOf(to);
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
    if (property === undefined) {
      const to = inferredOf(recipe, type, key);
      instance[key] = to === undefined ? value : convertInferred(to, value);
    } else if (Array.isArray(value)) instance[key] = value.map((e) => convert(property.to, e));
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
  const type = to;
  return build(type, recipeOf(type), value as Record<string, unknown>);
}
