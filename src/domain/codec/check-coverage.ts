import 'reflect-metadata';

// Declared types whose values JSON gives back as they went in.
const JSON_NATIVE = new Set<unknown>([String, Number, Boolean]);

/**
 * Which properties of each class a round-trip check has yet to see with a value. A check that
 * passed proves only the properties it saw filled in: one that was null or undefined then may
 * hold a Date or a value object later. So a class is checked again on later raises (or
 * snapshots) until each of its properties has passed with a value, or is declared as a string,
 * number or boolean; from then on its checks cost one lookup.
 */
export class CheckCoverage {
  readonly #byClass = new WeakMap<object, { proven: Set<string>; open: Set<string> } | true>();

  /** True once every property of `type` seen so far has passed with a value. */
  settled(type: object): boolean {
    return this.#byClass.get(type) === true;
  }

  /** Records a passing check of `value` (an instance of `type`), leaving out `ignored` keys. */
  passed(type: object, value: object, ignored: ReadonlySet<string>): void {
    let state = this.#byClass.get(type);
    if (state === true) return;
    state ??= { proven: new Set<string>(), open: new Set<string>() };
    const prototype = (type as { prototype?: object }).prototype;
    for (const key of Object.keys(value)) {
      if (ignored.has(key) || state.proven.has(key)) continue;
      const filled = (value as Record<string, unknown>)[key];
      const declared: unknown = prototype && Reflect.getMetadata('design:type', prototype, key);
      if ((filled !== null && filled !== undefined) || JSON_NATIVE.has(declared)) {
        state.proven.add(key);
        state.open.delete(key);
      } else {
        state.open.add(key);
      }
    }
    this.#byClass.set(type, state.open.size === 0 ? true : state);
  }
}
