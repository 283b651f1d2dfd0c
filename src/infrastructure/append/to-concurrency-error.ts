import type { AppendBatch, PendingStream } from '../../domain/repository/append-batch';
import { ConcurrencyError } from '../../domain/errors/concurrency-error';

/** What is read back after a refused append, to say which aggregate moved. */
export interface ConflictReads {
  /** The stream's current version (0 when empty). */
  currentVersion(aggregateId: string): Promise<readonly { version: number }[]>;
  /** The head of a stream the save required unchanged: none when the stream is empty. */
  unchangedHead(
    aggregateId: string,
  ): Promise<readonly { version: number; aggregateType: string }[]>;
}

/**
 * Builds the ConcurrencyError for a rejected append: it names the losing aggregate (from the
 * violation's detail when available, else the first stream found behind, else the first
 * aggregate required unchanged that moved) and the version it lost to, read right after the
 * failure.
 */
export async function toConcurrencyError(
  batch: AppendBatch,
  conflictId: string,
  cause: unknown,
  reads: ConflictReads,
): Promise<ConcurrencyError> {
  const candidates: readonly PendingStream[] = conflictId
    ? batch.streams.filter((s) => s.aggregate.id === conflictId)
    : batch.streams;
  const only = candidates.length === 1 && batch.unchanged.length === 0;
  for (const stream of candidates) {
    const [{ version }] = await reads.currentVersion(stream.aggregate.id);
    if (version !== stream.expectedVersion || only) {
      return new ConcurrencyError(
        stream.aggregate.id,
        stream.aggregateType,
        stream.expectedVersion,
        version,
        { cause },
      );
    }
  }
  if (!conflictId) {
    for (const u of batch.unchanged) {
      const [head] = await reads.unchangedHead(u.aggregateId);
      const version = head?.version ?? 0;
      if (version !== u.version) {
        return new ConcurrencyError(u.aggregateId, head?.aggregateType ?? '', u.version, version, {
          cause,
          byCondition: true,
        });
      }
    }
  }
  const first = batch.streams[0];
  return new ConcurrencyError(
    first.aggregate.id,
    first.aggregateType,
    first.expectedVersion,
    first.expectedVersion,
    { cause },
  );
}
