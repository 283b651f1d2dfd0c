import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { createTesseraDataSource } from './src/infrastructure/session/tessera-data-source';

/**
 * DataSource for the TypeORM CLI (`npm run migration:run|show|revert`).
 *
 * TypeORM 1.x no longer reads TYPEORM_* variables, so the connection comes from
 * DATABASE_URL and Tessera's own knobs.
 */
function fromEnvironment(env: NodeJS.ProcessEnv): DataSource {
  const url = env.DATABASE_URL;
  if (url === undefined || url.trim() === '') {
    throw new Error(
      'DATABASE_URL is not set: set it to the database to migrate, ' +
        'e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres',
    );
  }
  return createTesseraDataSource({
    url,
    poolSize: optionalInteger(env, 'TESSERA_POOL_SIZE'),
    statementTimeoutMs: optionalInteger(env, 'TESSERA_STATEMENT_TIMEOUT_MS'),
    applicationName: 'tessera-cli',
  });
}

function optionalInteger(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  // Number() rather than parseInt(): "10abc" must be rejected, not read as 10.
  const value = Number(raw);
  if (!Number.isInteger(value)) {
    throw new Error(`${name} must be an integer, got "${raw}"`);
  }
  return value;
}

export default fromEnvironment(process.env);
