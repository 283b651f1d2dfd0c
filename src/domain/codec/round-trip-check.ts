import { getMetadataStorage } from 'class-validator';
import { EventRoundTripError } from '../errors/event-round-trip-error';
import { TesseraError } from '../errors/tessera-error';
import { EventDecodingError } from '../errors/event-decoding-error';

/** A property whose value differs between what was raised and what a load gives back. */
interface Difference {
  readonly className: string;
  readonly path: string;
  readonly written: unknown;
  readonly readBack: unknown;
}

/**
 * Checks that `readBack()` (the real codec's decoding of what was just serialized) gives back a
 * value deeply equal to `original`: same prototypes, Dates with the same time, bigints, nested
 * instances and arrays; and that every nested instance whose class carries class-validator
 * rules is declared `@ValidateNested()` (otherwise its rules ran on no load). Throws
 * {@link EventRoundTripError} naming the first difference and its fix.
 *
 * @param subject what is checked, for the error (`event "X"`, `snapshot of "Y"`)
 * @param validated whether loads validate the value (events: yes; snapshots: no), so that nested
 *   rules without `@ValidateNested()` are refused
 * @param ignored root keys left out of the comparison (an aggregate's `id`)
 * @param rebuilt when `readBack` fails, the value rebuilt without validation, to name the
 *   property that would fail (a Date read back as a string fails `@IsDate()`)
 */
export function assertRoundTrips(
  subject: string,
  original: object,
  readBack: () => object,
  validated: boolean,
  ignored: ReadonlySet<string> = new Set(),
  rebuilt?: () => object,
): void {
  const unchecked = validated ? uncheckedNested(original, '', new Set()) : undefined;
  if (unchecked) {
    throw new EventRoundTripError(
      subject,
      unchecked.className,
      unchecked.path,
      `${describe(unchecked.value)} with its class-validator rules checked`,
      'the same value with its rules never checked',
      `add @ValidateNested() to ${unchecked.className}.${lastKey(unchecked.path)}` +
        ` (and @Type(() => ${constructorName(unchecked.value)}) if it is an array or a union)`,
    );
  }
  let decoded: object;
  try {
    decoded = readBack();
  } catch (error) {
    if (error instanceof EventRoundTripError) throw error;
    const found = rebuiltDifference(original, ignored, rebuilt);
    if (found) {
      throw new EventRoundTripError(
        subject,
        found.className,
        found.path,
        describe(found.written),
        describe(found.readBack),
        fixFor(found),
        { cause: error },
      );
    }
    const reason = error instanceof Error ? error.message : String(error);
    throw new EventRoundTripError(
      subject,
      constructorName(original),
      '',
      describe(original),
      `a failure while reading it back (${reason})`,
      error instanceof TesseraError && !(error instanceof EventDecodingError)
        ? 'declare the property types so the stored JSON converts back (see the error)'
        : /BigInt/.test(reason)
          ? 'add @BigIntProperty() to each bigint property'
          : `let the constructor of each event and value-object class run without arguments: ` +
            `a load builds instances with new ${constructorName(original)}() and then assigns the stored values`,
      { cause: error },
    );
  }
  const difference = firstDifference(original, decoded, '', original, ignored, new Set());
  if (difference) {
    throw new EventRoundTripError(
      subject,
      difference.className,
      difference.path,
      describe(difference.written),
      describe(difference.readBack),
      fixFor(difference),
    );
  }
}

function rebuiltDifference(
  original: object,
  ignored: ReadonlySet<string>,
  rebuilt: (() => object) | undefined,
): Difference | undefined {
  if (!rebuilt) return undefined;
  try {
    return firstDifference(original, rebuilt(), '', original, ignored, new Set());
  } catch {
    return undefined;
  }
}

function firstDifference(
  written: unknown,
  readBack: unknown,
  path: string,
  owner: object,
  ignored: ReadonlySet<string>,
  seen: Set<object>,
): Difference | undefined {
  const here = (): Difference => ({ className: constructorName(owner), path, written, readBack });
  if (written === undefined || written === null || typeof written !== 'object') {
    // JSON drops an undefined property; 0 and -0 are one number for JSON.
    if (written === undefined && (readBack === undefined || readBack === null)) return undefined;
    return written === readBack ? undefined : here();
  }
  if (readBack === null || typeof readBack !== 'object') return here();
  if (seen.has(written)) return undefined;
  seen.add(written);
  if (Object.getPrototypeOf(written) !== Object.getPrototypeOf(readBack)) return here();
  if (written instanceof Date) {
    return written.getTime() === (readBack as Date).getTime() ? undefined : here();
  }
  if (Array.isArray(written)) {
    const other = readBack as unknown[];
    if (other.length !== written.length) return here();
    for (let i = 0; i < written.length; i++) {
      const found = firstDifference(
        written[i],
        other[i],
        join(path, String(i)),
        owner,
        ignored,
        seen,
      );
      if (found) return found;
    }
    return undefined;
  }
  const nestedOwner = Object.getPrototypeOf(written) === Object.prototype ? owner : written;
  const keys = new Set([...Object.keys(written), ...Object.keys(readBack)]);
  for (const key of keys) {
    if (path === '' && ignored.has(key)) continue;
    const found = firstDifference(
      (written as Record<string, unknown>)[key],
      (readBack as Record<string, unknown>)[key],
      join(path, key),
      nestedOwner,
      ignored,
      seen,
    );
    if (found) return found;
  }
  return undefined;
}

/** The first nested instance with class-validator rules that its holder does not validate. */
function uncheckedNested(
  value: object,
  path: string,
  seen: Set<object>,
): { className: string; path: string; value: object } | undefined {
  if (seen.has(value)) return undefined;
  seen.add(value);
  const nestedKeys = nestedValidatedKeys(value.constructor);
  for (const key of Object.keys(value)) {
    const child = (value as Record<string, unknown>)[key];
    const elements = Array.isArray(child) ? (child as unknown[]) : [child];
    for (const element of elements) {
      if (!isClassInstance(element)) continue;
      if (!nestedKeys.has(key) && hasRules(element.constructor)) {
        return { className: constructorName(value), path: join(path, key), value: element };
      }
      const deeper = uncheckedNested(element, join(path, key), seen);
      if (deeper) return deeper;
    }
  }
  return undefined;
}

function isClassInstance(value: unknown): value is object {
  if (value === null || typeof value !== 'object' || value instanceof Date) return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype !== Object.prototype && prototype !== null && !Array.isArray(value);
}

function rulesOf(type: unknown): ReadonlyArray<{ type: string; propertyName: string }> {
  if (typeof type !== 'function') return [];
  return getMetadataStorage().getTargetValidationMetadatas(
    type,
    undefined as unknown as string,
    false,
    false,
  );
}

function hasRules(type: unknown): boolean {
  return rulesOf(type).length > 0;
}

function nestedValidatedKeys(type: unknown): Set<string> {
  return new Set(
    rulesOf(type)
      .filter((rule) => rule.type === 'nestedValidation')
      .map((rule) => rule.propertyName),
  );
}

function fixFor(d: Difference): string {
  const property = `${d.className}.${lastKey(d.path)}`;
  const inArray = /(^|\.)\d+$/.test(d.path);
  if (d.written instanceof Date) {
    return inArray
      ? `add @Type(() => Date) to the array property ${property.replace(/\.\d+$/, '')}`
      : `add @Type(() => Date) to ${property} (or any decorator, such as @IsDate(), so TypeScript emits its type)`;
  }
  if (isClassInstance(d.written) && !isClassInstance(d.readBack)) {
    const name = constructorName(d.written);
    return inArray
      ? `add @Type(() => ${name}) to the array property ${property.replace(/\.\d+$/, '')}`
      : `add @Type(() => ${name}) to ${property} (or @ValidateNested(), so TypeScript emits its type)`;
  }
  if (typeof d.written === 'bigint') return `add @BigIntProperty() to ${property}`;
  return `make ${property} hold plain JSON data (strings, numbers, booleans, arrays, plain objects), or convert it both ways with @Transform`;
}

function describe(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (value instanceof Date) {
    return `Date ${Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString()}`;
  }
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'object') {
    return isClassInstance(value) ? `${constructorName(value)} {…}` : 'a plain object';
  }
  if (typeof value === 'bigint') return `bigint ${value}n`;
  const text = JSON.stringify(value) ?? typeof value;
  return `${typeof value} ${text.length > 60 ? `${text.slice(0, 57)}...` : text}`;
}

function constructorName(value: unknown): string {
  const ctor = (value as { constructor?: { name?: unknown } } | null)?.constructor;
  return typeof ctor?.name === 'string' && ctor.name !== '' ? ctor.name : 'Object';
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

function lastKey(path: string): string {
  const parts = path.split('.').filter((p) => !/^\d+$/.test(p));
  return parts[parts.length - 1] ?? '';
}
