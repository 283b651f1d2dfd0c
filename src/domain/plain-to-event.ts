import { plainToInstance } from 'class-transformer';
import type { EventClass } from './metadata/event-class';

/** The maps class-transformer's metadata storage keeps per decorated class. */
interface TransformerStorage {
  readonly _typeMetadatas: Map<unknown, unknown>;
  readonly _transformMetadatas: Map<unknown, unknown>;
  readonly _exposeMetadatas: Map<unknown, unknown>;
  readonly _excludeMetadatas: Map<unknown, unknown>;
}

const storage = loadStorage();

/** How {@link plainToEvent} builds instances of one class, worked out on its first use. */
interface EventRecipe {
  /** No class-transformer decorator applies to the class or its base classes. */
  readonly copyable: boolean;
  /**
   * The prototype's own property names, besides `constructor`, that class-transformer would not
   * assign (methods, getters without a setter); undefined when there are none.
   */
  readonly skipped: ReadonlySet<string> | undefined;
}

const recipes = new WeakMap<EventClass, EventRecipe>();

/**
 * Builds an event instance from a freshly parsed payload, as `plainToInstance` would. Classes
 * with no class-transformer decorator anywhere in their hierarchy (the common case of events
 * made of strings and numbers) skip class-transformer's generic walk: the result is the same
 * (a new instance with the payload's properties, `__proto__`/`constructor` keys, getters and
 * methods left alone), at a fraction of the cost on the replay hot path. Nested plain values are
 * shared with the payload, which callers parse anew for every read, and kept as parsed:
 * class-transformer's copy would drop nested keys named like `Object.prototype` members
 * (`valueOf`, `toString`), which replay gives back as they were raised and stored.
 *
 * What the class's prototype defines is read once, on the class's first use: a class that
 * changes its prototype afterwards (a getter defined at run time) is not seen to change.
 */
export function plainToEvent<E extends object>(
  type: EventClass<E>,
  payload: Record<string, unknown>,
): E {
  const recipe = recipeOf(type);
  if (!recipe.copyable) return plainToInstance(type, payload) as E;
  const instance = new type() as Record<string, unknown>;
  const skipped = recipe.skipped;
  for (const key of Object.keys(payload)) {
    if (key === '__proto__' || key === 'constructor' || skipped?.has(key)) continue;
    // An inherited method (or one the constructor set) is not overwritten either.
    if (typeof instance[key] === 'function') continue;
    instance[key] = payload[key];
  }
  return instance as E;
}

/** True when no class-transformer decorator applies to `type` or its base classes. */
export function isPlainCopyable(type: EventClass): boolean {
  return recipeOf(type).copyable;
}

function recipeOf(type: EventClass): EventRecipe {
  let recipe = recipes.get(type);
  if (recipe === undefined) {
    const prototype = type.prototype as object;
    // class-transformer skips a key whose own descriptor on the prototype has no setter.
    const skipped = Reflect.ownKeys(prototype).filter(
      (key): key is string =>
        typeof key === 'string' &&
        key !== 'constructor' &&
        !Object.getOwnPropertyDescriptor(prototype, key)?.set,
    );
    recipe = {
      copyable: storage !== undefined && !hasTransformerMetadata(storage, type),
      skipped: skipped.length > 0 ? new Set(skipped) : undefined,
    };
    recipes.set(type, recipe);
  }
  return recipe;
}

function hasTransformerMetadata(s: TransformerStorage, type: EventClass): boolean {
  return hasMetadata(s, type, [
    '_typeMetadatas',
    '_transformMetadatas',
    '_exposeMetadatas',
    '_excludeMetadatas',
  ]);
}

function hasMetadata(
  s: TransformerStorage,
  type: object,
  names: ReadonlyArray<keyof TransformerStorage>,
): boolean {
  const maps = names.map((name) => s[name]);
  for (
    let t: unknown = type;
    typeof t === 'function' && t !== Function.prototype;
    t = Object.getPrototypeOf(t)
  ) {
    if (maps.some((m) => m.has(t))) return true;
  }
  return false;
}

/** class-transformer's storage, if this version still keeps it where 0.5 does; else no fast path. */
function loadStorage(): TransformerStorage | undefined {
  try {
    const candidate = // eslint-disable-next-line @typescript-eslint/no-require-imports
      (require('class-transformer/cjs/storage') as { defaultMetadataStorage?: TransformerStorage })
        .defaultMetadataStorage;
    const maps = candidate && [
      candidate._typeMetadatas,
      candidate._transformMetadatas,
      candidate._exposeMetadatas,
      candidate._excludeMetadatas,
    ];
    return maps && maps.every((m) => m instanceof Map) ? candidate : undefined;
  } catch {
    return undefined;
  }
}

const toPlainNeutral = new WeakMap<object, boolean>();
const BUILT_IN = new Set<unknown>([Date, String, Number, Boolean, Object, Array, BigInt, Buffer]);

/** What class-transformer records for `@Type`. */
interface TypeMetadataLike {
  readonly typeFunction?: (options?: unknown) => unknown;
  readonly options?: { readonly discriminator?: unknown };
}

/**
 * True when class-transformer would turn instances of `type` into plain objects exactly as
 * JSON.stringify does: no `@Transform`, `@Expose` or `@Exclude` on it or its base classes, and no
 * `@Type` that changes class-to-plain output (a discriminator, which writes the subtype's name, or
 * a declared class that itself has such decorators).
 */
export function serializesLikeJson(type: object, inProgress = new Set<object>()): boolean {
  let known = toPlainNeutral.get(type);
  if (known !== undefined) return known;
  if (inProgress.has(type)) return true;
  inProgress.add(type);
  known =
    storage !== undefined &&
    !hasMetadata(storage, type, ['_transformMetadatas', '_exposeMetadatas', '_excludeMetadatas']) &&
    declaredTypesSerializeLikeJson(storage, type, inProgress);
  inProgress.delete(type);
  // A result reached inside a cycle of declared types assumed the cycle's root was fine: only
  // the root's own result is final.
  if (inProgress.size === 0) toPlainNeutral.set(type, known);
  return known;
}

function declaredTypesSerializeLikeJson(
  s: TransformerStorage,
  type: object,
  inProgress: Set<object>,
): boolean {
  for (
    let t: unknown = type;
    typeof t === 'function' && t !== Function.prototype;
    t = Object.getPrototypeOf(t)
  ) {
    const byProperty = s._typeMetadatas.get(t) as Map<string, TypeMetadataLike> | undefined;
    for (const metadata of byProperty?.values() ?? []) {
      if (metadata.options?.discriminator) return false;
      let declared: unknown;
      try {
        declared = metadata.typeFunction?.();
      } catch {
        return false;
      }
      if (typeof declared !== 'function') return false;
      if (!BUILT_IN.has(declared) && !serializesLikeJson(declared, inProgress)) return false;
    }
  }
  return true;
}
