import type { AggregateClass, AggregateRoot } from './aggregate-root';
import type { AggregateRepository, SaveOptions, UpdateOptions } from './aggregate-repository';
import { retryOnConflict } from './retry-on-conflict';

/**
 * The load-run-save loop behind both repositories' `update()`: on `ConcurrencyError` the latest
 * state is loaded again and the command re-run, with jittered backoff.
 */
export function updateWithRetry<T extends AggregateRoot, S extends SaveOptions>(
  repository: Pick<AggregateRepository<S>, 'load' | 'save'>,
  type: AggregateClass<T>,
  id: string,
  command: (aggregate: T) => void | Promise<void>,
  options: UpdateOptions & S = {} as UpdateOptions & S,
): Promise<T> {
  if (typeof command !== 'function') throw new TypeError('update() needs a command function');
  const { retries, baseDelayMs, maxDelayMs, ...saveOptions } = options;
  return retryOnConflict(
    async () => {
      const aggregate = await repository.load(type, id);
      await command(aggregate);
      await repository.save(aggregate, saveOptions as unknown as S);
      return aggregate;
    },
    { retries, baseDelayMs, maxDelayMs },
  );
}
