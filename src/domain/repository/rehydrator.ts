import type { AggregateClass, AggregateRoot } from '../model/aggregate-root';
import type { EventSerializer } from '../codec/event-serializer';
import { aggregateTypeName } from '../model/aggregate.decorator';
import { StreamDecoder, type FoldableEvent } from './stream-decoder';

/**
 * Folds stored events into an aggregate one at a time, so a repository can stream rows into it
 * without holding the whole history. Rows are checked by a {@link StreamDecoder}; the first bad
 * one throws and the half-built aggregate is never handed out.
 */
export class Rehydrator<T extends AggregateRoot> {
  readonly aggregate: T;
  readonly #decoder: StreamDecoder;

  /**
   * @param snapshot state and version to start from, instead of an empty aggregate
   */
  constructor(
    type: AggregateClass<T>,
    id: string,
    serializer: EventSerializer,
    snapshot?: { readonly state: object; readonly version: number },
  ) {
    this.aggregate = new type(id);
    if (snapshot) this.aggregate.restoreSnapshot(snapshot.state, snapshot.version);
    this.#decoder = new StreamDecoder(
      aggregateTypeName(type),
      this.aggregate.id,
      serializer,
      this.aggregate.version,
    );
  }

  /** The version reached so far. */
  get version(): number {
    return this.aggregate.version;
  }

  /** Applies one stored event; it must carry the next version. */
  apply(stored: FoldableEvent): void {
    this.aggregate.loadStoredEvent(this.#decoder.decode(stored));
  }
}

/** Rebuilds an aggregate from its complete stored history (see {@link Rehydrator}). */
export function rehydrate<T extends AggregateRoot>(
  type: AggregateClass<T>,
  id: string,
  history: Iterable<FoldableEvent>,
  serializer: EventSerializer,
): T {
  const rehydrator = new Rehydrator(type, id, serializer);
  for (const stored of history) rehydrator.apply(stored);
  return rehydrator.aggregate;
}
