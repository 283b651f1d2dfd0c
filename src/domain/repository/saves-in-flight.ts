import type { AggregateRoot } from '../model/aggregate-root';
import { ConcurrentSaveError } from '../errors/concurrent-save-error';
import type { AppendBatch } from './append-batch';

/**
 * The aggregate instances a repository is saving right now. The same instance handed to a second
 * save while the first is in flight gets {@link ConcurrentSaveError} instead of a second append
 * of the same events; each repository keeps its own.
 */
export class SavesInFlight {
  readonly #saving = new WeakSet<AggregateRoot>();

  /** Marks every aggregate of the batch as being saved; throws if one already is (marking none). */
  claim(batch: AppendBatch): void {
    const busy = batch.streams.find((s) => this.#saving.has(s.aggregate));
    if (busy) throw new ConcurrentSaveError(busy.aggregateType, busy.aggregate.id);
    for (const s of batch.streams) this.#saving.add(s.aggregate);
  }

  /** Ends the save of the batch's aggregates, whatever its outcome. */
  release(batch: AppendBatch): void {
    for (const s of batch.streams) this.#saving.delete(s.aggregate);
  }
}
