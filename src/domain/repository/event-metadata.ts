import { InvalidMetadataError } from '../errors/invalid-metadata-error';
import type { EventMetadata, EventMetadataOptions } from '../model/event-envelope';

const HEADER_KEY = /^[\p{L}\p{N}_.:-]{1,128}$/u;
const MAX_VALUE = 4096;

/**
 * Validates save-time metadata options and merges `actor`/`tenant` into the headers. Returns the
 * part of {@link EventMetadata} shared by every event of one save. Throws
 * {@link InvalidMetadataError} for anything that is not a short string.
 */
export function buildSharedMetadata(
  options: EventMetadataOptions = {},
): Omit<EventMetadata, 'schemaVersion' | 'occurredAt'> {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidMetadataError('options', 'must be an object');
  }
  const shared: { correlationId?: string; causationId?: string; headers?: Record<string, string> } =
    {};
  for (const field of ['correlationId', 'causationId'] as const) {
    const value = options[field];
    if (value !== undefined) shared[field] = checkString(field, value);
  }
  const headers: Record<string, string> = {};
  if (options.headers !== undefined) {
    if (
      typeof options.headers !== 'object' ||
      options.headers === null ||
      Array.isArray(options.headers)
    ) {
      throw new InvalidMetadataError('headers', 'must be an object of string values');
    }
    for (const [key, value] of Object.entries(options.headers)) {
      if (!HEADER_KEY.test(key)) {
        throw new InvalidMetadataError(
          `headers[${JSON.stringify(key)}]`,
          'keys are 1-128 letters, digits, "_", ".", ":" or "-"',
        );
      }
      // defineProperty: a plain assignment of "__proto__" would set the prototype instead.
      Object.defineProperty(headers, key, {
        value: checkString(`headers.${key}`, value),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
  }
  if (options.actor !== undefined) headers.actor = checkString('actor', options.actor);
  if (options.tenant !== undefined) headers.tenant = checkString('tenant', options.tenant);
  if (Object.keys(headers).length > 0) shared.headers = headers;
  return shared;
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
