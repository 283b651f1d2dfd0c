import { instanceToPlain } from 'class-transformer';
import { UnknownEventTypeError } from './errors/unknown-event-type-error';
import { UnserializableEventError } from './errors/unserializable-event-error';
import { InvalidEventError, type StoredEventLocation } from './errors/invalid-event-error';
import { assertValidEvent } from './event-validator';
import { eventRegistry, type EventRegistry } from './metadata/event-registry';
import { plainToEvent } from './plain-to-event';

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
  readonly registry?: EventRegistry;
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

  constructor(options: EventSerializerOptions = {}) {
    const max = options.maxPayloadBytes ?? 1024 * 1024;
    if (!Number.isInteger(max) || max < 2) {
      throw new TypeError(`maxPayloadBytes must be an integer of at least 2, got ${max}`);
    }
    this.maxPayloadBytes = max;
    this.#registry = options.registry ?? eventRegistry;
  }

  /** Serializes one event; throws `UnregisteredEventError` or {@link UnserializableEventError}. */
  serialize(event: object): SerializedEvent {
    const info = this.#registry.infoOf(event);
    assertJsonSafe(event, info.name);
    const plain = instanceToPlain(event);
    let json: string;
    try {
      json = JSON.stringify(plain);
    } catch (error) {
      // Only the failure path pays for finding where the bigint is.
      const path = findBigInt(plain, '');
      if (path !== undefined) {
        throw new UnserializableEventError(
          info.name,
          path,
          'a bigint property needs @BigIntProperty()',
        );
      }
      throw new UnserializableEventError(info.name, '', String((error as Error).message ?? error));
    }
    // Cheap upper bound first: a UTF-8 byte is at most 3 per UTF-16 unit.
    if (json.length * 3 > this.maxPayloadBytes && Buffer.byteLength(json) > this.maxPayloadBytes) {
      throw new UnserializableEventError(
        info.name,
        '',
        `payload is ${Buffer.byteLength(json)} bytes, over the limit of ${this.maxPayloadBytes}`,
      );
    }
    return { eventType: info.name, schemaVersion: info.version, json };
  }

  /**
   * Rebuilds an event instance from a stored payload (already parsed JSON) and validates it.
   * Throws {@link UnknownEventTypeError} or `InvalidEventError`.
   */
  deserialize(eventType: string, payload: unknown, location?: StoredEventLocation): object {
    const info = this.#registry.findByName(eventType);
    if (!info) throw new UnknownEventTypeError(eventType, location);
    if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
      throw new InvalidEventError(
        eventType,
        [{ property: '', constraints: { isObject: 'the payload must be a JSON object' } }],
        location,
      );
    }
    const event = plainToEvent(info.type, payload as Record<string, unknown>);
    assertValidEvent(event, eventType, location);
    return event;
  }
}

// jsonb refuses both; JSON.stringify would write them as escapes PostgreSQL then rejects.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Walks the event and rejects what JSON.stringify would drop or alter without a word. */
function assertJsonSafe(root: object, eventType: string): void {
  const ancestors = new Set<object>();
  const walk = (value: unknown, path: string): void => {
    switch (typeof value) {
      case 'number':
        if (!Number.isFinite(value)) {
          throw new UnserializableEventError(
            eventType,
            path,
            `${value} is not representable in JSON`,
          );
        }
        return;
      case 'string':
        // PostgreSQL's jsonb cannot hold U+0000.
        if (value.includes('\u0000')) {
          throw new UnserializableEventError(eventType, path, 'NUL character (U+0000) in a string');
        }
        if (LONE_SURROGATE.test(value)) {
          throw new UnserializableEventError(
            eventType,
            path,
            'unpaired UTF-16 surrogate in a string',
          );
        }
        return;
      case 'bigint':
        return;
      case 'function':
      case 'symbol':
        throw new UnserializableEventError(eventType, path, `a ${typeof value} is not data`);
      case 'object': {
        if (value === null) return;
        if (value instanceof Date) {
          if (Number.isNaN(value.getTime())) {
            throw new UnserializableEventError(eventType, path, 'invalid Date');
          }
          return;
        }
        if (value instanceof Map || value instanceof Set) {
          throw new UnserializableEventError(
            eventType,
            path,
            'Map and Set do not survive JSON; use an array or a plain object',
          );
        }
        if (ancestors.has(value)) {
          throw new UnserializableEventError(eventType, path, 'circular reference');
        }
        ancestors.add(value);
        for (const key of Object.keys(value)) {
          if (key.includes('\u0000') || LONE_SURROGATE.test(key)) {
            throw new UnserializableEventError(
              eventType,
              path,
              'NUL character (U+0000) or unpaired surrogate in a key',
            );
          }
          walk((value as Record<string, unknown>)[key], path ? `${path}.${key}` : key);
        }
        ancestors.delete(value);
        return;
      }
      default:
        return;
    }
  };
  walk(root, '');
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
