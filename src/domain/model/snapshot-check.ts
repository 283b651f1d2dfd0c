import { assertRoundTrips } from '../codec/round-trip-check';
import type { AggregateClass, AggregateRoot } from './aggregate-root';
import { aggregateTypeName } from './aggregate.decorator';

const ID_ONLY = new Set(['id']);

/**
 * Checks that an aggregate's snapshot restores its state: `toSnapshot()` through JSON into
 * `restoreSnapshot()` of a new instance must give equal fields (Dates, nested instances,
 * bigints, arrays), else `EventRoundTripError` names the field and the fix. Run once per class
 * and `checked` set: at the first raise of an aggregate class with a snapshot policy, and again at
 * its first snapshot, when more of its state is filled in.
 */
export function checkSnapshotOnce(aggregate: AggregateRoot, checked: WeakSet<object>): void {
  const type = aggregate.constructor as AggregateClass;
  if (checked.has(type)) return;
  assertRoundTrips(
    `snapshot of "${aggregateTypeName(type)}"`,
    aggregate,
    () => {
      const copy = new type(aggregate.id);
      const json = JSON.stringify(aggregate.toSnapshot());
      copy.restoreSnapshot(JSON.parse(json) as object, Math.max(1, aggregate.version));
      return copy;
    },
    false,
    ID_ONLY,
  );
  checked.add(type);
}
