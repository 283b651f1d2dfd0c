/**
 * A deep copy of an object's own enumerable fields (prototypes, Dates, arrays, Maps and Sets
 * kept; cycles followed), taken before an `@Apply` handler runs so that a raise refused after it
 * can put the aggregate back as it was. Fields in `#private` slots are not reached.
 */
export function copyState(target: object, ignored: ReadonlySet<string>): Map<string, unknown> {
  const seen = new Map<object, unknown>();
  const state = new Map<string, unknown>();
  for (const key of Object.keys(target)) {
    if (!ignored.has(key)) state.set(key, copy((target as Record<string, unknown>)[key], seen));
  }
  return state;
}

/** Puts back the fields {@link copyState} took: later fields are removed, the others restored. */
export function restoreState(
  target: object,
  state: ReadonlyMap<string, unknown>,
  ignored: ReadonlySet<string>,
): void {
  const fields = target as Record<string, unknown>;
  for (const key of Object.keys(target)) {
    if (!ignored.has(key) && !state.has(key)) delete fields[key];
  }
  for (const [key, value] of state) fields[key] = value;
}

function copy(value: unknown, seen: Map<object, unknown>): unknown {
  if (value === null || typeof value !== 'object') return value;
  const known = seen.get(value);
  if (known !== undefined) return known;
  if (value instanceof Date) return new Date(value.getTime());
  if (Array.isArray(value)) {
    const array: unknown[] = [];
    seen.set(value, array);
    for (const element of value) array.push(copy(element, seen));
    return array;
  }
  if (value instanceof Map) {
    const map = new Map<unknown, unknown>();
    seen.set(value, map);
    for (const [k, v] of value) map.set(k, copy(v, seen));
    return map;
  }
  if (value instanceof Set) {
    const set = new Set<unknown>();
    seen.set(value, set);
    for (const element of value) set.add(copy(element, seen));
    return set;
  }
  const object = Object.create(Object.getPrototypeOf(value) as object | null) as Record<
    string,
    unknown
  >;
  seen.set(value, object);
  for (const key of Object.keys(value)) {
    object[key] = copy((value as Record<string, unknown>)[key], seen);
  }
  return object;
}
