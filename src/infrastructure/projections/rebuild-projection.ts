import type { DataSource } from 'typeorm';
import type { Projection } from '../../domain/projection/projection';
import type { ProjectionContext } from './projection-context';
import { PROJECTION_START, ProjectionCheckpointStore } from './projection-checkpoint-store';

/**
 * Resets an asynchronous projection to zero in one transaction: its `onReset` (clearing the read
 * model) and its checkpoint together. The active runner, wherever it runs, notices on its next
 * batch that the checkpoint moved, rolls that batch back and replays from the first event (a
 * replication runner first catches up from the events table, then hands over to its slot).
 */
export async function rebuildProjection(
  dataSource: DataSource,
  projection: Projection<ProjectionContext>,
  options: { schema?: string } = {},
): Promise<void> {
  const store = new ProjectionCheckpointStore(dataSource, options);
  await dataSource.transaction(async (manager) => {
    await store.lock(manager, projection.name);
    await projection.reset({ manager });
    await store.save(manager, projection.name, PROJECTION_START);
  });
}
