/**
 * Read access to class-transformer's decorator metadata, which its public API does not expose:
 * the replay fast path (`plainToEvent`) and the serializer's JSON fast path use it to tell
 * the classes they may handle themselves from those class-transformer must handle.
 */

/** The maps class-transformer's metadata storage keeps per decorated class. */
export interface TransformerStorage {
  readonly _typeMetadatas: Map<unknown, Map<string, TypeMetadataLike>>;
  readonly _transformMetadatas: Map<unknown, unknown>;
  readonly _exposeMetadatas: Map<unknown, unknown>;
  readonly _excludeMetadatas: Map<unknown, unknown>;
}

/** What class-transformer records for `@Type`. */
export interface TypeMetadataLike {
  readonly typeFunction?: (options?: unknown) => unknown;
  /** The property's `design:type`, as TypeScript emitted it (Array, Set, Map, Date, a class...). */
  readonly reflectedType?: unknown;
  readonly options?: { readonly discriminator?: unknown };
}

/** class-transformer's storage, if this version still keeps it where 0.5 does; else no fast path. */
export const transformerStorage: TransformerStorage | undefined = loadStorage();

/** True when a decorator recorded in one of `names` applies to `type` or a base class. */
export function hasMetadata(
  s: TransformerStorage,
  type: object,
  names: ReadonlyArray<keyof TransformerStorage>,
): boolean {
  const maps = names.map((name) => s[name]);
  for (const t of classChain(type)) {
    if (maps.some((m) => m.has(t))) return true;
  }
  return false;
}

/**
 * The `@Type` metadata of every property of `type`, its own first and then its base classes',
 * the nearest declaration of a property winning (as class-transformer looks them up).
 */
export function typeMetadataOf(s: TransformerStorage, type: object): Map<string, TypeMetadataLike> {
  const found = new Map<string, TypeMetadataLike>();
  for (const t of classChain(type)) {
    for (const [property, metadata] of s._typeMetadatas.get(t) ?? []) {
      if (!found.has(property)) found.set(property, metadata);
    }
  }
  return found;
}

/** `type`, then each base class up to (not including) Function.prototype. */
export function* classChain(type: object): Generator<unknown> {
  for (
    let t: unknown = type;
    typeof t === 'function' && t !== Function.prototype;
    t = Object.getPrototypeOf(t)
  ) {
    yield t;
  }
}

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
