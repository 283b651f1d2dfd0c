import {
  classChain,
  hasMetadata,
  transformerStorage,
  type TransformerStorage,
} from './transformer-storage';

const toPlainNeutral = new WeakMap<object, boolean>();
const BUILT_IN = new Set<unknown>([Date, String, Number, Boolean, Object, Array, BigInt, Buffer]);

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
    transformerStorage !== undefined &&
    !hasMetadata(transformerStorage, type, [
      '_transformMetadatas',
      '_exposeMetadatas',
      '_excludeMetadatas',
    ]) &&
    declaredTypesSerializeLikeJson(transformerStorage, type, inProgress);
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
  for (const t of classChain(type)) {
    const byProperty = s._typeMetadatas.get(t);
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
