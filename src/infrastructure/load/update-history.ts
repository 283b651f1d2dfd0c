import type { FoldableEvent } from '../../domain/repository/stream-decoder';
import type { Rehydrator } from '../../domain/repository/rehydrator';
import type { AggregateRoot } from '../../domain/model/aggregate-root';
import type { UsableSnapshot } from './stream-reader';

interface HeldRow {
  readonly aggregateType: string;
  readonly eventType: string;
  readonly version: number;
  readonly schemaVersion: unknown;
  readonly json: string;
}

// Beyond this many events an update() retry reloads instead of holding the history in memory.
const MAX_HELD_EVENTS = 10_000;

/**
 * What one `update()` has read of a stream, kept between its attempts so a retry reads only the
 * events appended since. Payloads and the snapshot state are held as JSON text: every attempt
 * decodes pristine copies, so a handler or command that mutated a nested value in a failed
 * attempt cannot leak into the next one.
 */
export class UpdateHistory {
  #snapshot: { readonly version: number; readonly stateJson: string } | undefined;
  /** Rows read after the snapshot; undefined before the first read and once too long to hold. */
  #rows: HeldRow[] | undefined;

  /** True when a retry can start from what is held instead of reading the stream's head. */
  get usable(): boolean {
    return this.#rows !== undefined;
  }

  /** Starts over from a freshly read head. */
  start(snapshot: UsableSnapshot | undefined): void {
    this.#snapshot = snapshot && {
      version: snapshot.version,
      stateJson: JSON.stringify(snapshot.state),
    };
    this.#rows = [];
  }

  /** The snapshot the held rows follow, decoded afresh. */
  snapshot(): UsableSnapshot | undefined {
    const held = this.#snapshot;
    return held && { version: held.version, state: JSON.parse(held.stateJson) as object };
  }

  /** Folds the held rows into a new attempt's aggregate. */
  replay<T extends AggregateRoot>(rehydrator: Rehydrator<T>): void {
    for (const row of this.#rows ?? []) {
      rehydrator.apply({ ...row, payload: JSON.parse(row.json) as unknown });
    }
  }

  /** Holds a row read from the stream; called before its handler can touch the payload. */
  remember(row: FoldableEvent): void {
    if (this.#rows === undefined) return;
    this.#rows.push({
      aggregateType: row.aggregateType,
      eventType: row.eventType,
      version: row.version,
      schemaVersion: row.schemaVersion,
      json: JSON.stringify(row.payload),
    });
    if (this.#rows.length > MAX_HELD_EVENTS) this.#rows = undefined;
  }
}
