import type { AggregateClass, AggregateRoot } from './aggregate-root';
import { AggregateTypeMismatchError } from './errors/aggregate-type-mismatch-error';
import { CorruptedStreamError } from './errors/corrupted-stream-error';
import type { StoredEvent } from './event-envelope';
import type { EventSerializer } from './event-serializer';
import { aggregateTypeName } from './metadata/aggregate.decorator';

/**
 * Folds stored events into an aggregate one at a time, so a repository can stream rows into it
 * without holding the whole history. Every row is checked before it is applied: the stream's
 * aggregate type, versions 1..n without gaps, a known event type, a valid payload. The first
 * failure throws and the half-built aggregate is never handed out.
 */
export class Rehydrator<T extends AggregateRoot> {
  readonly aggregate: T;
  readonly #typeName: string;
  readonly #serializer: EventSerializer;

  constructor(type: AggregateClass<T>, id: string, serializer: EventSerializer) {
    this.#typeName = aggregateTypeName(type);
    this.aggregate = new type(id);
    this.#serializer = serializer;
  }

  /** Number of events applied so far (the aggregate's version). */
  get version(): number {
    return this.aggregate.version;
  }

  /** Applies one stored event; it must carry the next version. */
  apply(stored: StoredEvent): void {
    const aggregate = this.aggregate;
    if (stored.aggregateType !== this.#typeName) {
      throw new AggregateTypeMismatchError(aggregate.id, this.#typeName, stored.aggregateType);
    }
    const expected = aggregate.version + 1;
    if (stored.version !== expected) {
      throw new CorruptedStreamError(aggregate.id, this.#typeName, expected, stored.version);
    }
    const event = this.#serializer.deserialize(stored.eventType, stored.payload, {
      aggregateId: aggregate.id,
      aggregateType: this.#typeName,
      version: stored.version,
    });
    aggregate.loadFromHistory([event]);
  }
}

/** Rebuilds an aggregate from its complete stored history (see {@link Rehydrator}). */
export function rehydrate<T extends AggregateRoot>(
  type: AggregateClass<T>,
  id: string,
  history: Iterable<StoredEvent>,
  serializer: EventSerializer,
): T {
  const rehydrator = new Rehydrator(type, id, serializer);
  for (const stored of history) rehydrator.apply(stored);
  return rehydrator.aggregate;
}
