/**
 * What `@PersonalData`, `@DataSubject` and `@DataSubjectOf` declared, per class. Written once per
 * class when its module loads (decoration time), read on every save and load; never changed after.
 */
const personalProperties = new WeakMap<object, Set<string>>();
const subjectResolvers = new WeakMap<object, (event: object) => unknown>();

/** Marks `property` of `type` as personal data. */
export function markPersonal(type: object, property: string): void {
  let own = personalProperties.get(type);
  if (!own) personalProperties.set(type, (own = new Set()));
  own.add(property);
}

/** Sets how the data subject of an event of `type` is found. */
export function setSubjectResolver(type: object, resolver: (event: object) => unknown): void {
  subjectResolvers.set(type, resolver);
}

const NONE: ReadonlySet<string> = new Set();

/**
 * The personal properties of a class, its base classes' included. Asked on every save and load
 * of an event: when one class of the chain declares them all (the usual case), its own set is
 * returned as it is, read-only, instead of a copy.
 */
export function personalPropertiesOf(type: unknown): ReadonlySet<string> {
  if (typeof type !== 'function') return NONE;
  let only: ReadonlySet<string> | undefined;
  let merged: Set<string> | undefined;
  for (let t: unknown = type; typeof t === 'function' && t !== Object;) {
    const own = personalProperties.get(t);
    if (own && only === undefined) only = own;
    else if (own) {
      merged ??= new Set(only);
      for (const p of own) merged.add(p);
    }
    t = Object.getPrototypeOf(t);
  }
  return merged ?? only ?? NONE;
}

/** The resolver of a class's data subject, its base classes' included. */
export function subjectResolverOf(type: unknown): ((event: object) => unknown) | undefined {
  for (let t: unknown = type; typeof t === 'function' && t !== Object;) {
    const resolver = subjectResolvers.get(t);
    if (resolver) return resolver;
    t = Object.getPrototypeOf(t);
  }
  return undefined;
}
