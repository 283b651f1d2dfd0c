import type { ClientConfig } from 'pg';
import type { DataSource } from 'typeorm';

/** The connection fields of TypeORM's PostgreSQL options that a dedicated client needs. */
interface PostgresConnectionFields {
  readonly url?: string;
  readonly host?: string;
  readonly port?: number;
  readonly username?: string;
  readonly password?: string | (() => string | Promise<string>);
  readonly database?: string;
  readonly ssl?: ClientConfig['ssl'];
}

/**
 * node-postgres settings for a dedicated connection to the DataSource's server (LISTEN, advisory
 * locks, replication), which must not come from the pool: they outlive any one query.
 */
export function pgClientConfigOf(dataSource: DataSource, applicationName?: string): ClientConfig {
  const options = dataSource.options as PostgresConnectionFields;
  const config: ClientConfig = {
    connectionString: options.url,
    host: options.host,
    port: options.port,
    user: options.username,
    password: options.password,
    database: options.database,
    ssl: options.ssl,
    application_name: applicationName,
  };
  // An explicit undefined would override what the connection string says.
  for (const key of Object.keys(config) as (keyof ClientConfig)[]) {
    if (config[key] === undefined) delete config[key];
  }
  return config;
}
