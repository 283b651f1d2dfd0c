import type { AggregateClass, AggregateRoot } from '../model/aggregate-root';
import { AggregateNotFoundError } from '../errors/aggregate-not-found-error';
import { aggregateTypeName } from '../model/aggregate.decorator';
import type { UpdateOptions } from './aggregate-repository';
import { retryOnConflict, type RetryOptions } from './retry-on-conflict';

/** How one attempt of an update reads the aggregate and stores it. */
export interface UpdateSteps<T extends AggregateRoot> {
  /** The latest state, or null when the stream is empty. */
  load(): Promise<T | null>;
  save(aggregate: T): Promise<void>;
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
    await command(aggregate);
    await steps.save(aggregate);
    return aggregate;
  }, retry);
}

/** Splits `update()` options into the retry policy and what the save takes. */
export function splitUpdateOptions<S extends object>(
  options: UpdateOptions & S,
): { retry: RetryOptions; save: Omit<UpdateOptions & S, keyof RetryOptions> } {
  const { retries, baseDelayMs, maxDelayMs, ...save } = options;
  return { retry: { retries, baseDelayMs, maxDelayMs }, save };
}
