import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { extname, resolve } from 'node:path';
import { DataSource } from 'typeorm';
import { createTesseraDataSource } from '../infrastructure/session/tessera-data-source';
import { CliError } from './cli-error';
import { EXIT_CODES } from './exit-codes';

/**
 * The DataSource the CLI works on: the TypeORM data-source file given with `--config` (the
 * application's own, so `migrate` runs its migrations after Tessera's), or else one built from
 * `DATABASE_URL` with Tessera's migrations. Not initialized.
 *
 * A `.ts` file is loaded through ts-node when the application has it installed; otherwise point
 * `--config` at the compiled JavaScript.
 */
export function configuredDataSource(
  config: string | undefined,
  env: NodeJS.ProcessEnv,
): DataSource {
  if (config !== undefined) return loadConfigFile(resolve(config));
  const url = env.DATABASE_URL;
  if (url === undefined || url.trim() === '') {
    throw new CliError(
      'no database configured: set DATABASE_URL (e.g. postgres://user@host:5432/db) ' +
        'or pass --config <data-source file>',
      EXIT_CODES.usage,
    );
  }
  return createTesseraDataSource({
    url,
    poolSize: 2,
    // Operator work (a stats scan, an archive batch) may legitimately run longer than an
    // application's statement budget: no limit unless the operator sets one.
    statementTimeoutMs: integerVariable(env, 'TESSERA_STATEMENT_TIMEOUT_MS') ?? 0,
    applicationName: 'tessera-cli',
  });
}

function loadConfigFile(path: string): DataSource {
  if (!existsSync(path)) throw new CliError(`--config: no file ${path}`, EXIT_CODES.usage);
  const load = createRequire(path);
  if (['.ts', '.mts', '.cts'].includes(extname(path))) registerTsNode(load, path);
  let loaded: unknown;
  try {
    loaded = load(path);
  } catch (error) {
    throw new CliError(`--config: ${path} failed to load: ${message(error)}`, EXIT_CODES.usage);
  }
  const exported = (loaded as { default?: unknown }).default ?? loaded;
  // instanceof would fail for an application with its own copy of TypeORM.
  if (!isDataSource(exported)) {
    throw new CliError(
      `--config: ${path} must export a TypeORM DataSource (as default or module.exports)`,
      EXIT_CODES.usage,
    );
  }
  return exported;
}

function registerTsNode(load: NodeJS.Require, path: string): void {
  let tsNode: { register(options: object): unknown };
  try {
    tsNode = load('ts-node') as typeof tsNode;
  } catch {
    throw new CliError(
      `--config: ${path} is TypeScript and ts-node is not installed next to it: ` +
        'install ts-node or point --config at the compiled JavaScript',
      EXIT_CODES.usage,
    );
  }
  tsNode.register({ transpileOnly: true });
}

function isDataSource(value: unknown): value is DataSource {
  return (
    value instanceof DataSource ||
    (typeof value === 'object' &&
      value !== null &&
      typeof (value as DataSource).initialize === 'function' &&
      typeof (value as DataSource).runMigrations === 'function')
  );
}

function integerVariable(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    throw new CliError(`${name} must be a non-negative integer, got "${raw}"`, EXIT_CODES.usage);
  }
  return value;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
