import type { AggregateClass, AggregateRoot } from '../model/aggregate-root';
import { AggregateNotFoundError } from '../errors/aggregate-not-found-error';
import { DomainError } from '../errors/domain-error';
import { aggregateTypeName } from '../model/aggregate.decorator';
import type { UpdateOptions } from './aggregate-repository';
import { retryOnConflict, type RetryOptions } from './retry-on-conflict';
import type { SaveResult } from './save-result';

/** How one attempt of an update reads the aggregate and stores it. */
export interface UpdateSteps<T extends AggregateRoot> {
  /** The latest state, or null when the stream is empty. */
  load(): Promise<T | null>;
  save(aggregate: T): Promise<SaveResult>;
  /** The stored state, read afresh: what a replayed save returns. */
  reload(): Promise<T | null>;
  /** Whether the update's command id is stored for the aggregate; absent without one. */
  commandStored?(): Promise<boolean>;
}

/**
 * The load-run-save loop behind both repositories' `update()`: on `ConcurrencyError` the latest
 * state is loaded again and the command re-run, with jittered backoff. Resolves with the saved
 * aggregate; throws `AggregateNotFoundError` for an empty stream.
 */
export function updateWithRetry<T extends AggregateRoot>(
  type: AggregateClass<T>,
  id: string,
  command: (aggregate: T) => void | Promise<void>,
  retry: RetryOptions,
  steps: UpdateSteps<T>,
): Promise<T> {
  if (typeof command !== 'function') throw new TypeError('update() needs a command function');
  return retryOnConflict(async () => {
    const aggregate = await steps.load();
    if (!aggregate) throw new AggregateNotFoundError(aggregateTypeName(type), id);
    try {
      await command(aggregate);
    } catch (error) {
      // A command rerun on a state that already holds its effect may refuse (a second opening,
      // a withdrawal past the balance): if its command id is stored, it ran once already.
      if (!(error instanceof DomainError) || !(await steps.commandStored?.())) throw error;
      return reloaded(type, id, steps);
    }
    const saved = await steps.save(aggregate);
    if (!saved.replayed) return aggregate;
    // The command id was stored by an earlier attempt (its acknowledgement lost, say): this
    // attempt's events were not written, so hand back the aggregate as stored.
    return reloaded(type, id, steps);
  }, retry);
}

async function reloaded<T extends AggregateRoot>(
  type: AggregateClass<T>,
  id: string,
  steps: UpdateSteps<T>,
): Promise<T> {
  const stored = await steps.reload();
  if (!stored) throw new AggregateNotFoundError(aggregateTypeName(type), id);
  return stored;
}

/** Splits `update()` options into the retry policy and what the save takes. */
export function splitUpdateOptions<S extends object>(
  options: UpdateOptions & S,
): { retry: RetryOptions; save: Omit<UpdateOptions & S, keyof RetryOptions> } {
  const { retries, baseDelayMs, maxDelayMs, ...save } = options;
  return { retry: { retries, baseDelayMs, maxDelayMs }, save };
}
