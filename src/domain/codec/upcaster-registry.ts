import { DuplicateUpcasterError } from '../errors/duplicate-upcaster-error';
import { EventDecodingError } from '../errors/event-decoding-error';
import { EventFromNewerCodeError } from '../errors/event-from-newer-code-error';
import type { StoredEventLocation } from '../errors/invalid-event-error';
import { RegistrationError } from '../errors/registration-error';
import { UnknownEventTypeError } from '../errors/unknown-event-type-error';
import { UpcastFailedError } from '../errors/upcast-failed-error';
import { UpcasterChainError } from '../errors/upcaster-chain-error';
import { eventRegistry, type EventRegistry } from './event-registry';
import type { EventUpcaster, Upcaster, UpcastedEvent } from './upcaster';

const NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_.:-]{0,254}$/;
// A chain longer than this for one stored event is a loop of renames, not history.
const MAX_STEPS = 1000;

/**
 * The upcasters of every event type, by stored type and version: the steps that bring a stored
 * payload to the version its class writes today. One process-wide instance, {@link upcasters},
 * is filled by `registerUpcaster()` and read by every default `EventSerializer`, so loads, feeds
 * and projections upcast alike; a separate instance can be handed to a serializer.
 *
 * A duplicate step is refused when it is registered; a chain with a gap, a step at or beyond the
 * class's version, or a rename into an unknown type is refused by {@link assertComplete}, which
 * repositories, feeds and projection runners call when they are constructed.
 */
export class UpcasterRegistry {
  readonly #steps = new Map<string, Map<number, Upcaster>>();
  readonly #events: EventRegistry;
  #generation = 0;
  /** The registries' generations the last successful {@link assertComplete} saw. */
  #checked: string | undefined;

  /** @param events the classes the chains must reach; the global registry by default */
  constructor(events: EventRegistry = eventRegistry) {
    this.#events = events;
  }

  /**
   * Adds one step. Refuses a malformed upcaster (`RegistrationError`), a second upcaster for the
   * same type and version ({@link DuplicateUpcasterError}), and a step at or beyond the version
   * of a class already registered ({@link UpcasterChainError}).
   */
  register(upcaster: Upcaster): void {
    checkShape(upcaster);
    const { type, fromVersion } = upcaster;
    let steps = this.#steps.get(type);
    if (steps?.has(fromVersion)) throw new DuplicateUpcasterError(type, fromVersion);
    const current = this.#events.findByName(type)?.version;
    if (current !== undefined && fromVersion >= current) {
      throw new UpcasterChainError(type, 'beyond-current', fromVersion, current);
    }
    if (!steps) this.#steps.set(type, (steps = new Map<number, Upcaster>()));
    steps.set(fromVersion, Object.freeze({ ...upcaster }));
    this.#generation += 1;
  }

  /** True when no upcaster is registered: every stored event must be at its class's version. */
  get empty(): boolean {
    return this.#steps.size === 0;
  }

  /**
   * Throws {@link UpcasterChainError} unless every chain is complete: for a class at version n,
   * one step from each of 1..n-1 and none beyond; for a stored type without a class, steps from
   * 1 on that end in a rename or split; every type a rename or split produces known. Cheap when
   * nothing was registered since the last check.
   */
  assertComplete(): void {
    const generation = `${this.#generation}/${this.#events.generation}`;
    if (this.#checked === generation) return;
    for (const info of this.#events.all()) {
      const steps = this.#steps.get(info.name);
      for (let v = 1; v < info.version; v++) {
        if (!steps?.has(v))
          throw new UpcasterChainError(info.name, 'missing-step', v, info.version);
      }
      for (const v of steps?.keys() ?? []) {
        if (v >= info.version) {
          throw new UpcasterChainError(info.name, 'beyond-current', v, info.version);
        }
      }
    }
    for (const [type, steps] of this.#steps) {
      for (const step of steps.values()) {
        for (const target of 'into' in step ? step.into : []) {
          if (!this.#events.findByName(target) && !this.#steps.has(target)) {
            throw new UpcasterChainError(
              type,
              'unknown-target',
              step.fromVersion,
              undefined,
              target,
            );
          }
        }
      }
      if (this.#events.findByName(type)) continue;
      const last = Math.max(...steps.keys());
      for (let v = 1; v < last; v++) {
        if (!steps.has(v)) throw new UpcasterChainError(type, 'missing-step', v, undefined);
      }
      if (!('into' in steps.get(last)!)) {
        throw new UpcasterChainError(type, 'no-class', last + 1, undefined);
      }
    }
    this.#checked = generation;
  }

  /**
   * The stored type names whose events may become one of `types` after upcasting (`types`
   * included): what a feed filtered by event type must select to see renamed history.
   */
  sourcesOf(types: readonly string[]): string[] {
    const sources = new Set(types);
    for (let grew = true; grew;) {
      grew = false;
      for (const [type, steps] of this.#steps) {
        if (sources.has(type)) continue;
        for (const step of steps.values()) {
          if ('into' in step && step.into.some((t) => sources.has(t))) {
            sources.add(type);
            grew = true;
            break;
          }
        }
      }
    }
    return [...sources];
  }

  /** True when a class or a chain knows `eventType`: its stored events can be read. */
  knows(eventType: string): boolean {
    return this.#events.findByName(eventType) !== undefined || this.#steps.has(eventType);
  }

  /**
   * True when a stored event of `eventType` written with `schemaVersion` (undefined or null for
   * rows written without one: version 1) is at its class's current version, so it needs no step.
   */
  isCurrent(eventType: string, schemaVersion: unknown): boolean {
    const info = this.#events.findByName(eventType);
    if (info === undefined) return false;
    return schemaVersion === info.version || (schemaVersion == null && info.version === 1);
  }

  /**
   * The events a stored event is today: its payload run through the chain of its type (and of
   * the types a rename or split leads to) until each result is at its class's version. Throws
   * {@link EventFromNewerCodeError} for a version newer than the code knows,
   * {@link UnknownEventTypeError} for a type neither a class nor a chain knows, and
   * {@link UpcastFailedError} when an upcaster throws or returns something malformed.
   */
  upcast(
    eventType: string,
    schemaVersion: unknown,
    payload: unknown,
    location?: StoredEventLocation,
  ): UpcastedEvent[] {
    const version = storedSchemaVersion(eventType, schemaVersion, location);
    if (!isObject(payload)) {
      // Left for the serializer's own payload check to name.
      return [{ type: eventType, version, payload: payload as object }];
    }
    const results: UpcastedEvent[] = [];
    const counter = { steps: 0 };
    this.#expand({ type: eventType, version, payload }, location, results, counter);
    return results;
  }

  #expand(
    event: UpcastedEvent,
    location: StoredEventLocation | undefined,
    results: UpcastedEvent[],
    counter: { steps: number },
  ): void {
    for (let current = event; ;) {
      const info = this.#events.findByName(current.type);
      if (info !== undefined && current.version === info.version) {
        results.push(current);
        return;
      }
      const steps = this.#steps.get(current.type);
      if (info !== undefined && current.version > info.version) {
        throw new EventFromNewerCodeError(current.type, current.version, info.version, location);
      }
      if (!steps) {
        if (info === undefined) throw new UnknownEventTypeError(current.type, location);
        throw new UpcasterChainError(current.type, 'missing-step', current.version, info.version);
      }
      const step = steps.get(current.version);
      if (!step) {
        const last = Math.max(...steps.keys());
        if (info === undefined && current.version > last) {
          throw new EventFromNewerCodeError(current.type, current.version, last, location);
        }
        throw new UpcasterChainError(current.type, 'missing-step', current.version, info?.version);
      }
      counter.steps += 1;
      if (counter.steps > MAX_STEPS) {
        throw new UpcastFailedError(
          step.type,
          step.fromVersion,
          location,
          `more than ${MAX_STEPS} upcasting steps for one stored event: the renames form a loop`,
        );
      }
      if (!('into' in step)) {
        const next = run(step, current.payload, location);
        if (!isObject(next)) {
          throw new UpcastFailedError(
            step.type,
            step.fromVersion,
            location,
            `returned ${describeValue(next)}, not a payload object`,
          );
        }
        current = { type: current.type, version: current.version + 1, payload: next };
        continue;
      }
      const produced = run(step, current.payload, location);
      for (const part of checkedParts(step, produced, location)) {
        this.#expand(part, location, results, counter);
      }
      return;
    }
  }
}

/** The registry `registerUpcaster()` fills and every default serializer reads. */
export const upcasters = new UpcasterRegistry();

/**
 * A row's stored schema version: a positive integer, or absent (rows written without one are
 * version 1). Anything else is a corrupted row, named as such.
 */
function storedSchemaVersion(
  eventType: string,
  value: unknown,
  location: StoredEventLocation | undefined,
): number {
  if (value === undefined || value === null) return 1;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 1) return value;
  throw new EventDecodingError(
    eventType,
    location,
    `metadata.schemaVersion must be a positive integer, got ${JSON.stringify(value)}`,
  );
}

function run(step: Upcaster, payload: object, location: StoredEventLocation | undefined): unknown {
  try {
    return step.upcast(payload as Record<string, unknown>, location ? { location } : {});
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new UpcastFailedError(step.type, step.fromVersion, location, reason, { cause: error });
  }
}

function checkedParts(
  step: EventUpcaster,
  produced: unknown,
  location: StoredEventLocation | undefined,
): UpcastedEvent[] {
  const fail = (reason: string): never => {
    throw new UpcastFailedError(step.type, step.fromVersion, location, reason);
  };
  if (!Array.isArray(produced) || produced.length === 0) {
    return fail(`returned ${describeValue(produced)}, not a non-empty array of events`);
  }
  return produced.map((part: unknown, i) => {
    if (!isObject(part)) return fail(`result ${i} is ${describeValue(part)}, not an event`);
    const { type, version, payload } = part as Partial<UpcastedEvent>;
    if (typeof type !== 'string' || !step.into.includes(type)) {
      return fail(`result ${i} has type ${JSON.stringify(type)}, not one of its \`into\` types`);
    }
    if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
      return fail(`result ${i} has version ${JSON.stringify(version)}, not a positive integer`);
    }
    if (!isObject(payload)) return fail(`result ${i} has ${describeValue(payload)} as payload`);
    return { type, version, payload };
  });
}

function checkShape(upcaster: Upcaster): void {
  const fail = (reason: string): never => {
    throw new RegistrationError(`upcaster ${JSON.stringify(upcaster?.type)}: ${reason}`);
  };
  if (!isObject(upcaster)) fail('must be an object { type, fromVersion, upcast }');
  if (typeof upcaster.type !== 'string' || !NAME_PATTERN.test(upcaster.type)) {
    fail('type must be a registered event type name');
  }
  if (!Number.isInteger(upcaster.fromVersion) || upcaster.fromVersion < 1) {
    fail(`fromVersion must be a positive integer, got ${String(upcaster.fromVersion)}`);
  }
  if (typeof upcaster.upcast !== 'function') fail('upcast must be a function');
  if ('into' in upcaster) {
    const into = upcaster.into as unknown;
    if (
      !Array.isArray(into) ||
      into.length === 0 ||
      !into.every((t) => typeof t === 'string' && NAME_PATTERN.test(t))
    ) {
      fail('into must be a non-empty array of event type names');
    }
  }
}

function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
