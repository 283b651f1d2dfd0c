import type { DataSource } from 'typeorm';
import type { Projection } from '../../domain/projection/projection';
import type { ProjectionContext } from './projection-context';
import { PROJECTION_START, ProjectionCheckpointStore } from './projection-checkpoint-store';
import { CHANGE_FEED_CHANNEL } from '../../migrations/schema-names';

/**
 * Resets an asynchronous projection to zero in one transaction: its `onReset` (clearing the read
 * model) and its checkpoint together. The active runner, wherever it runs, replays from the first
 * event: an idle ordered runner on its next poll (at once when it has a listener: the rebuild
 * notifies the change-feed channel on commit), a busy one after rolling back the batch it was
 * applying (a replication runner first catches up from the events table, then hands over to its
 * slot).
 */
export async function rebuildProjection(
  dataSource: DataSource,
  projection: Projection<ProjectionContext>,
  options: { schema?: string; channel?: string } = {},
): Promise<void> {
  const store = new ProjectionCheckpointStore(dataSource, options);
  await dataSource.transaction(async (manager) => {
    await store.lock(manager, projection.name);
    await projection.reset({ manager });
    await store.save(manager, projection.name, PROJECTION_START);
    await manager.query("SELECT pg_notify($1, '')", [options.channel ?? CHANGE_FEED_CHANNEL]);
  });
}
