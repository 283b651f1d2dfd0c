import { Transform } from 'class-transformer';

/**
 * Stores a `bigint` property as a decimal string in JSON and turns it back into a `bigint` on
 * rehydration. JSON has no bigint, and a number would lose precision past 2^53.
 *
 * @example
 * ```ts
 * @BigIntProperty() readonly amountInCents: bigint;
 * ```
 */
export function BigIntProperty(): PropertyDecorator {
  const toPlain = Transform(
    ({ value }: { value: unknown }) => (typeof value === 'bigint' ? value.toString() : value),
    {
      toPlainOnly: true,
    },
  );
  const toClass = Transform(
    ({ value }: { value: unknown }) =>
      typeof value === 'string' && /^-?\d+$/.test(value) ? BigInt(value) : value,
    { toClassOnly: true },
  );
  return (target, key) => {
    toPlain(target, key);
    toClass(target, key);
  };
}
