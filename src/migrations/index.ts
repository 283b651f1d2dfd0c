import { MigrationInterface } from 'typeorm';
import { CreateEventsTable1732500000000 } from './1732500000000-CreateEventsTable';

export { CreateEventsTable1732500000000 };

/**
 * Tessera's schema migrations, oldest first.
 *
 * Passed as classes rather than a glob so they work from `ts-node`, compiled `dist/`
 * and bundlers alike.
 */
export const TESSERA_MIGRATIONS: Array<new () => MigrationInterface> = [
  CreateEventsTable1732500000000,
];
