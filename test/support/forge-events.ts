import type { DataSource } from 'typeorm';
import { EVENT_MUTATION_SETTING } from '../../src/migrations/1732500002000-AppendOnlyEvents';

/**
 * Runs one statement that rewrites `events` (to forge corrupted history in a test) through the
 * append-only escape hatch: in its own transaction, after `SET LOCAL tessera.allow_event_mutation`.
 * The test connection's user must be a member of `tessera_maintainer` (a superuser is).
 */
export async function forgeEvents(
  dataSource: DataSource,
  sql: string,
  params: readonly unknown[] = [],
): Promise<void> {
  await dataSource.transaction(async (manager) => {
    await manager.query(`SELECT set_config('${EVENT_MUTATION_SETTING}', 'on', true)`);
    await manager.query(sql, [...params]);
  });
}
