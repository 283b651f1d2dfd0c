import { AggregateTypeMismatchError } from '../errors/aggregate-type-mismatch-error';
import { CorruptedStreamError } from '../errors/corrupted-stream-error';
import type { StoredEvent } from '../model/event-envelope';
import type { EventSerializer } from '../codec/event-serializer';

/**
 * The parts of a stored event a fold needs, with the schema version it was written with
 * (`metadata.schemaVersion`; undefined or null for a row written without one, version 1).
 */
export interface FoldableEvent extends Pick<
  StoredEvent,
  'aggregateType' | 'eventType' | 'version' | 'payload'
> {
  readonly schemaVersion: unknown;
}

/**
 * Turns one aggregate's stored events, read in version order, into event instances. Each row is
 * checked before it is decoded: the stream's aggregate type, the next version without a gap, a
 * known event type, a schema version the code knows (upcast to the current one), a valid payload. The first failure throws.
 */
export class StreamDecoder {
  #version: number;

  constructor(
    private readonly aggregateType: string,
    private readonly aggregateId: string,
    private readonly serializer: EventSerializer,
    /** The version already accounted for (a snapshot's, or 0). */
    startVersion = 0,
  ) {
    this.#version = startVersion;
  }

  /** The version of the last decoded event (or the start version). */
  get version(): number {
    return this.#version;
  }

  /**
   * Decodes the next stored event, which must carry version {@link StreamDecoder.version} + 1,
   * into what it is today: one event, or several when an upcaster split it.
   */
  decode(stored: FoldableEvent): readonly object[] {
    if (stored.aggregateType !== this.aggregateType) {
      throw new AggregateTypeMismatchError(
        this.aggregateId,
        this.aggregateType,
        stored.aggregateType,
      );
    }
    const expected = this.#version + 1;
    if (stored.version !== expected) {
      throw new CorruptedStreamError(
        this.aggregateId,
        this.aggregateType,
        expected,
        stored.version,
      );
    }
    const events = this.serializer.decodeStored(
      stored.eventType,
      stored.schemaVersion,
      stored.payload,
      { aggregateId: this.aggregateId, aggregateType: this.aggregateType, version: stored.version },
    );
    this.#version = expected;
    return events;
  }
}
