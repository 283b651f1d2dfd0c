import { instanceToPlain } from 'class-transformer';
import { UnknownEventTypeError } from '../errors/unknown-event-type-error';
import { UnserializableEventError } from '../errors/unserializable-event-error';
import { InvalidEventError, type StoredEventLocation } from '../errors/invalid-event-error';
import { assertValidEvent } from './event-validator';
import { eventRegistry, type EventRegistry, type EventTypeInfo } from './event-registry';
import { plainToEvent } from './plain-to-event';
import type { EventClass } from './event-class';
import { EventDecodingError } from '../errors/event-decoding-error';
import { TesseraError } from '../errors/tessera-error';
import { serializesLikeJson } from './serializes-like-json';
import { isoStringOf } from './iso-time';
import { upcasters as globalUpcasters, type UpcasterRegistry } from './upcaster-registry';

/** An event turned into what the `event_type` and `payload` columns hold. */
export interface SerializedEvent {
  readonly eventType: string;
  readonly schemaVersion: number;
  /** The payload as JSON text, ready for a `jsonb` parameter. */
  readonly json: string;
}

/** Options of {@link EventSerializer}. */
export interface EventSerializerOptions {
  /** Largest payload accepted, in bytes of JSON text (UTF-8). Default 1 MiB. */
  readonly maxPayloadBytes?: number;
  /**
   * The upcaster chains stored events go through before they are built and validated. Default:
   * the process-wide registry `registerUpcaster()` fills.
   */
  readonly upcasters?: UpcasterRegistry;
}

/**
 * Turns event instances into JSON for the `payload` column and back into instances of their
 * class, using class-transformer (so `@Type(() => Money)`, `@Type(() => Date)`, `@Exclude` and
 * `@Transform` work as class-transformer users expect) plus checks of our own: values JSON cannot
 * hold are rejected with a path instead of being silently changed, and rehydrated events are
 * validated with class-validator.
 */
export class EventSerializer {
  readonly maxPayloadBytes: number;
  readonly #registry: EventRegistry;
  /** The upcaster chains this serializer reads stored events through. */
  readonly upcasters: UpcasterRegistry;

  constructor(options: EventSerializerOptions = {}) {
    const max = options.maxPayloadBytes ?? 1024 * 1024;
    if (!Number.isInteger(max) || max < 2) {
      throw new TypeError(`maxPayloadBytes must be an integer of at least 2, got ${max}`);
    }
    this.maxPayloadBytes = max;
    this.#registry = eventRegistry;
    this.upcasters = options.upcasters ?? globalUpcasters;
  }

  /** Serializes one event; throws `UnregisteredEventError` or {@link UnserializableEventError}. */
  serialize(event: object): SerializedEvent {
    const info = this.#registry.infoOf(event);
    const json = eventToJson(event, info.name);
    this.assertPayloadSize(info.name, json);
    return { eventType: info.name, schemaVersion: info.version, json };
  }

  /** Throws {@link UnserializableEventError} when a payload's JSON is over the size limit. */
  assertPayloadSize(eventType: string, json: string): void {
    // Cheap upper bound first: a UTF-8 byte is at most 3 per UTF-16 unit.
    if (json.length * 3 > this.maxPayloadBytes && Buffer.byteLength(json) > this.maxPayloadBytes) {
      throw new UnserializableEventError(
        eventType,
        '',
        `payload is ${Buffer.byteLength(json)} bytes, over the limit of ${this.maxPayloadBytes}`,
      );
    }
  }

  /**
   * Rebuilds what one stored event is today: the event instances (one, or several when an
   * upcaster split it) its payload becomes after upcasting from `schemaVersion` (the version it
   * was written with; undefined or null for version 1), each built and validated. An event at
   * its class's version costs one integer comparison more than {@link deserialize}. Throws what
   * `deserialize` throws, and `EventFromNewerCodeError`, `UpcastFailedError`, `UpcasterChainError`.
   */
  decodeStored(
    eventType: string,
    schemaVersion: unknown,
    payload: unknown,
    location?: StoredEventLocation,
  ): readonly object[] {
    const info = this.#registry.findByName(eventType);
    if (
      info !== undefined &&
      (schemaVersion === info.version || (schemaVersion == null && info.version === 1))
    ) {
      return [decodeInfo(info, eventType, payload, location)];
    }
    const parts = this.upcasters.upcast(eventType, schemaVersion, payload, location);
    const events: object[] = [];
    for (const part of parts) events.push(this.deserialize(part.type, part.payload, location));
    return events;
  }

  /**
   * Rebuilds an event instance from a stored payload (already parsed JSON) and validates it.
   * Throws {@link UnknownEventTypeError} or `InvalidEventError`.
   */
  deserialize(eventType: string, payload: unknown, location?: StoredEventLocation): object {
    const info = this.#registry.findByName(eventType);
    if (!info) throw new UnknownEventTypeError(eventType, location);
    return decodeInfo(info, eventType, payload, location);
  }
}

/** Builds and validates an event of a registered class from a payload that must be an object. */
function decodeInfo(
  info: EventTypeInfo,
  eventType: string,
  payload: unknown,
  location: StoredEventLocation | undefined,
): object {
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
    throw new InvalidEventError(
      eventType,
      [{ property: '', constraints: { isObject: 'the payload must be a JSON object' } }],
      location,
    );
  }
  return decodeEvent(info.type, eventType, payload as Record<string, unknown>, location);
}

/**
 * Builds an event of `type` from a parsed payload object and validates it: what every load does
 * with a stored event, and what the first raise of each class checks against. A failure while
 * building (a constructor or setter that throws) is an {@link EventDecodingError} naming the
 * stored event.
 */
export function decodeEvent(
  type: EventClass,
  eventType: string,
  payload: Record<string, unknown>,
  location?: StoredEventLocation,
): object {
  let event: object;
  try {
    event = plainToEvent(type, payload);
  } catch (error) {
    if (error instanceof TesseraError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new EventDecodingError(eventType, location, reason, { cause: error });
  }
  assertValidEvent(event, eventType, location);
  return event;
}

// jsonb refuses both; JSON.stringify would write them as escapes PostgreSQL then rejects.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
// One native scan rules out both for almost every string; only a hit pays for the exact checks.
// eslint-disable-next-line no-control-regex -- U+0000 is exactly what it looks for
const SUSPECT = /[\u0000\uD800-\uDFFF]/;

/**
 * The JSON text of an event's payload, through class-transformer's `instanceToPlain` (so `@Exclude`,
 * `@Transform`, `@Expose` and `@BigIntProperty` apply). Values JSON would drop or alter without a
 * word are refused first. When no object in the event carries a decorator that changes
 * class-to-plain output, has a `toJSON` or holds a bigint, the event is stringified directly: the
 * same text, without class-transformer's generic walk.
 */
export function eventToJson(event: object, eventType: string): string {
  const walk: JsonSafetyWalk = {
    eventType,
    ancestors: [],
    path: [],
    plainData: true,
    dates: 0,
    mirrorable: true,
  };
  visit(event, walk);
  if (walk.plainData) {
    return JSON.stringify(walk.dates > 0 && walk.mirrorable ? jsonMirror(event) : event);
  }
  const plain = instanceToPlain(event);
  try {
    return JSON.stringify(plain);
  } catch (error) {
    // Only the failure path pays for finding where the bigint is.
    const path = findBigInt(plain, '');
    if (path !== undefined) {
      throw new UnserializableEventError(
        eventType,
        path,
        'a bigint property needs @BigIntProperty()',
      );
    }
    throw new UnserializableEventError(eventType, '', String((error as Error).message ?? error));
  }
}

/**
 * State of the walk that rejects what JSON.stringify would drop or alter without a word, and
 * finds whether JSON.stringify alone gives class-transformer's output (see {@link eventToJson}).
 */
interface JsonSafetyWalk {
  readonly eventType: string;
  /** Objects on the path from the root, to detect cycles. */
  readonly ancestors: object[];
  readonly path: string[];
  plainData: boolean;
  /** Dates whose JSON is Date.prototype's (an ISO string), found in plain data. */
  dates: number;
  /** False once something was found that {@link jsonMirror} would not copy as JSON.stringify reads it. */
  mirrorable: boolean;
}

/** Date.prototype's methods JSON.stringify reaches through a Date's `toJSON`, as loaded. */
const DATE_JSON_PATH: ReadonlyArray<readonly [PropertyKey, unknown]> = [
  'toJSON',
  'toISOString',
  'valueOf',
  Symbol.toPrimitive,
].map((key) => [key, Object.getOwnPropertyDescriptor(Date.prototype, key)?.value] as const);

/**
 * A Date whose JSON is its ISO string by Date.prototype's own methods: no subclass, no own
 * property (a `toJSON`, `valueOf` or `Symbol.toPrimitive` of its own would change what
 * JSON.stringify writes), and Date.prototype's methods as they were loaded.
 */
function isPlainDate(date: Date): boolean {
  if (Object.getPrototypeOf(date) !== Date.prototype || Reflect.ownKeys(date).length > 0) {
    return false;
  }
  const prototype = Date.prototype as unknown as Record<PropertyKey, unknown>;
  for (const [key, method] of DATE_JSON_PATH) if (prototype[key] !== method) return false;
  return true;
}

/**
 * A copy of plain data in which each Date is its ISO string: what JSON.stringify writes for it,
 * without JSON.stringify leaving its fast path to call `toJSON` (which costs a small event more
 * than the rest of its JSON). Objects are copied by their own enumerable
 * keys, arrays by index (holes become undefined, which JSON.stringify writes as null, as it
 * does for holes), exactly what JSON.stringify reads. Only used after the safety walk proved the
 * data plain, acyclic and free of boxed primitives and of Dates with their own JSON.
 */
function jsonMirror(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (value instanceof Date) return isoStringOf(value);
  if (Array.isArray(value)) {
    const copy: unknown[] = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) copy[i] = jsonMirror((value as unknown[])[i]);
    return copy;
  }
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const element = jsonMirror((value as Record<string, unknown>)[key]);
    // An own "__proto__" key (JSON.parse makes them) stays a key, not the copy's prototype.
    if (key === '__proto__') {
      Object.defineProperty(copy, key, {
        value: element,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    } else copy[key] = element;
  }
  return copy;
}

function fail(walk: JsonSafetyWalk, reason: string): never {
  throw new UnserializableEventError(walk.eventType, walk.path.join('.'), reason);
}

/**
 * Keys found free of bad characters: an event's keys are its class's property names, the same
 * few strings on every raise, and a set lookup costs a fraction of the regular expression.
 * Only keys of at most {@link MAX_GOOD_KEY_LENGTH} characters are kept, and the set is emptied
 * when it reaches {@link MAX_GOOD_KEYS}: keys made of data (a dictionary's, a refused payload's)
 * can hold at most about a megabyte here.
 */
const goodKeys = new Set<string>();
const MAX_GOOD_KEYS = 10_000;
const MAX_GOOD_KEY_LENGTH = 64;

function hasBadKeyCharacters(key: string): boolean {
  if (goodKeys.has(key)) return false;
  if (hasBadCharacters(key)) return true;
  if (key.length > MAX_GOOD_KEY_LENGTH) return false;
  if (goodKeys.size >= MAX_GOOD_KEYS) goodKeys.clear();
  goodKeys.add(key);
  return false;
}

function hasBadCharacters(text: string): boolean {
  return SUSPECT.test(text) && (text.includes('\u0000') || LONE_SURROGATE.test(text));
}

function visit(value: unknown, walk: JsonSafetyWalk): void {
  switch (typeof value) {
    case 'number':
      if (!Number.isFinite(value)) fail(walk, `${value} is not representable in JSON`);
      return;
    case 'string':
      // PostgreSQL's jsonb cannot hold U+0000 nor unpaired surrogates.
      if (SUSPECT.test(value)) {
        if (value.includes('\u0000')) fail(walk, 'NUL character (U+0000) in a string');
        if (LONE_SURROGATE.test(value)) fail(walk, 'unpaired UTF-16 surrogate in a string');
      }
      return;
    case 'bigint':
      walk.plainData = false;
      return;
    case 'function':
    case 'symbol':
      fail(walk, `a ${typeof value} is not data`);
      return;
    case 'object':
      if (value !== null) visitObject(value, walk);
      return;
    default:
      return;
  }
}

function visitObject(value: object, walk: JsonSafetyWalk): void {
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) fail(walk, 'invalid Date');
    if (isPlainDate(value)) walk.dates += 1;
    else walk.mirrorable = false;
    return;
  }
  if (value instanceof String || value instanceof Number || value instanceof Boolean) {
    // JSON.stringify writes their primitive value; a copy of their keys would not.
    walk.mirrorable = false;
  }
  if (value instanceof Map || value instanceof Set) {
    fail(walk, 'Map and Set do not survive JSON; use an array or a plain object');
  }
  if (walk.ancestors.includes(value)) fail(walk, 'circular reference');
  if (walk.plainData) {
    const prototype = Object.getPrototypeOf(value) as { constructor?: unknown } | null;
    if (
      typeof (value as { toJSON?: unknown }).toJSON === 'function' ||
      (prototype !== Object.prototype &&
        prototype !== Array.prototype &&
        prototype !== null &&
        !serializesLikeJson(prototype.constructor as object))
    ) {
      walk.plainData = false;
    }
  }
  walk.ancestors.push(value);
  for (const key of Object.keys(value)) {
    if (hasBadKeyCharacters(key)) {
      fail(walk, 'NUL character (U+0000) or unpaired surrogate in a key');
    }
    walk.path.push(key);
    visit((value as Record<string, unknown>)[key], walk);
    walk.path.pop();
  }
  walk.ancestors.pop();
}

function findBigInt(value: unknown, path: string): string | undefined {
  if (typeof value === 'bigint') return path;
  if (value === null || typeof value !== 'object') return undefined;
  for (const [key, child] of Object.entries(value)) {
    const found = findBigInt(child, path ? `${path}.${key}` : key);
    if (found !== undefined) return found;
  }
  return undefined;
}
