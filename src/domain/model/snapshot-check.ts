import { CheckCoverage } from '../codec/check-coverage';
import { assertRoundTrips } from '../codec/round-trip-check';
import { aggregateTypeName } from './aggregate.decorator';

const ID_ONLY = new Set(['id']);

/** What the check uses of an aggregate (AggregateRoot has it). */
interface Snapshotted {
  readonly id: string;
  readonly version: number;
  toSnapshot(): object;
  restoreSnapshot(state: object, version: number): void;
}

/**
 * Checks that an aggregate's snapshot restores its state: `toSnapshot()` through JSON into
 * `restoreSnapshot()` of a new instance must give equal fields (Dates, nested instances,
 * bigints, arrays), else `EventRoundTripError` names the field and the fix. Each class is checked
 * until every one of its fields has passed with a value ({@link CheckCoverage}): after its raises
 * and at the snapshots its saves write.
 */
export class SnapshotCheck {
  readonly #coverage = new CheckCoverage();

  /** True when the class needs no more checks. */
  settled(type: object): boolean {
    return this.#coverage.settled(type);
  }

  /** Throws `EventRoundTripError` when the aggregate's snapshot would not restore its state. */
  check(aggregate: Snapshotted): void {
    const type = aggregate.constructor as new (id: string) => Snapshotted;
    if (this.#coverage.settled(type)) return;
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
    this.#coverage.passed(type, aggregate, ID_ONLY);
  }
}

/** The checks of every snapshotted aggregate class in the process, at raise and at save. */
export const snapshotChecks = new SnapshotCheck();
