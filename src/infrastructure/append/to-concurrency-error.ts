import type { AppendBatch, PendingStream } from '../../domain/repository/append-batch';
import { ConcurrencyError } from '../../domain/errors/concurrency-error';

/**
 * Builds the ConcurrencyError for a rejected append: it names the losing aggregate (from the
 * violation's detail when available, else the first stream found behind) and the version it
 * lost to, read right after the failure.
 */
export async function toConcurrencyError(
  batch: AppendBatch,
  conflictId: string,
  cause: unknown,
  currentVersion: (aggregateId: string) => Promise<readonly { version: number }[]>,
): Promise<ConcurrencyError> {
  const candidates: readonly PendingStream[] = conflictId
    ? batch.streams.filter((s) => s.aggregate.id === conflictId)
    : batch.streams;
  for (const stream of candidates) {
    const [{ version }] = await currentVersion(stream.aggregate.id);
    if (version !== stream.expectedVersion || candidates.length === 1) {
      return new ConcurrencyError(
        stream.aggregate.id,
        stream.aggregateType,
        stream.expectedVersion,
        version,
        { cause },
      );
    }
  }
  const first = batch.streams[0];
  return new ConcurrencyError(
    first.aggregate.id,
    first.aggregateType,
    first.expectedVersion,
    first.expectedVersion,
    {
      cause,
    },
  );
}
