import { InvalidMetadataError } from '../errors/invalid-metadata-error';
import type { EventMetadata, EventMetadataOptions, JsonValue } from './event-envelope';

const HEADER_KEY = /^[\p{L}\p{N}_.:-]{1,128}$/u;
const MAX_VALUE = 4096;
/** Bound of the headers' JSON text, in UTF-8 bytes. */
export const MAX_HEADERS_BYTES = 16 * 1024;
const MAX_DEPTH = 16;

/**
 * Validates save-time metadata options and merges `actor`/`tenant` into the headers. Returns the
 * part of {@link EventMetadata} shared by every event of one save. Throws
 * {@link InvalidMetadataError} for an id that is not a short string, or a header that is not a
 * JSON value within the bounds.
 */
export function buildSharedMetadata(
  options: EventMetadataOptions = {},
): Omit<EventMetadata, 'schemaVersion' | 'occurredAt'> {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidMetadataError('options', 'must be an object');
  }
  const shared: {
    correlationId?: string;
    causationId?: string;
    headers?: Record<string, JsonValue>;
  } = {};
  for (const field of ['correlationId', 'causationId'] as const) {
    const value = options[field];
    if (value !== undefined) shared[field] = checkString(field, value);
  }
  const headers: Record<string, JsonValue> = {};
  if (options.headers !== undefined) {
    if (
      typeof options.headers !== 'object' ||
      options.headers === null ||
      Array.isArray(options.headers)
    ) {
      throw new InvalidMetadataError('headers', 'must be an object of JSON values');
    }
    for (const [key, value] of Object.entries(options.headers)) {
      if (!HEADER_KEY.test(key)) {
        throw new InvalidMetadataError(
          `headers[${JSON.stringify(key)}]`,
          'keys are 1-128 letters, digits, "_", ".", ":" or "-"',
        );
      }
      // defineProperty: a plain assignment of "__proto__" would set the prototype instead.
      const field = `headers.${key}`;
      Object.defineProperty(headers, key, {
        value:
          key === 'actor' || key === 'tenant'
            ? checkString(field, value)
            : checkJson(field, value, 0, new Set()),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
  }
  if (options.actor !== undefined) headers.actor = checkString('actor', options.actor);
  if (options.tenant !== undefined) headers.tenant = checkString('tenant', options.tenant);
  if (Object.keys(headers).length > 0) {
    const bytes = Buffer.byteLength(JSON.stringify(headers));
    if (bytes > MAX_HEADERS_BYTES) {
      throw new InvalidMetadataError(
        'headers',
        `are ${bytes} bytes of JSON, over the limit of ${MAX_HEADERS_BYTES}`,
      );
    }
    shared.headers = headers;
  }
  return shared;
}

/** A copy of `value` if it is a JSON value JSON gives back equal; throws otherwise. */
function checkJson(field: string, value: unknown, depth: number, seen: Set<object>): JsonValue {
  if (value === null || typeof value === 'boolean') return value;
  if (typeof value === 'string') return checkString(field, value);
  if (typeof value === 'number') {
    if (Number.isFinite(value)) return value;
    throw new InvalidMetadataError(field, `must be a finite number, got ${value}`);
  }
  if (typeof value !== 'object') {
    throw new InvalidMetadataError(field, `must be a JSON value, got ${typeof value}`);
  }
  if (depth >= MAX_DEPTH) throw new InvalidMetadataError(field, `nests deeper than ${MAX_DEPTH}`);
  if (seen.has(value)) throw new InvalidMetadataError(field, 'contains a cycle');
  seen.add(value);
  try {
    if (Array.isArray(value)) {
      return value.map((item, i) => checkJson(`${field}[${i}]`, item, depth + 1, seen));
    }
    const proto = Object.getPrototypeOf(value) as unknown;
    if (proto !== Object.prototype && proto !== null) {
      const name = (value as { constructor?: { name?: string } }).constructor?.name ?? 'object';
      throw new InvalidMetadataError(
        field,
        `must be a plain object, array or primitive, got a ${name}`,
      );
    }
    const copy: Record<string, JsonValue> = {};
    for (const [key, item] of Object.entries(value)) {
      checkString(`${field} key`, key);
      Object.defineProperty(copy, key, {
        value: checkJson(`${field}.${key}`, item, depth + 1, seen),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return copy;
  } finally {
    seen.delete(value);
  }
}

function checkString(field: string, value: unknown): string {
  if (typeof value !== 'string') {
    throw new InvalidMetadataError(
      field,
      `must be a string, got ${value === null ? 'null' : typeof value}`,
    );
  }
  if (value.length > MAX_VALUE) {
    throw new InvalidMetadataError(
      field,
      `is ${value.length} characters, over the limit of ${MAX_VALUE}`,
    );
  }
  if (value.includes('\u0000')) throw new InvalidMetadataError(field, 'contains a NUL character');
  if (/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(value)) {
    throw new InvalidMetadataError(field, 'contains an unpaired UTF-16 surrogate');
  }
  return value;
}
