import { startLocalPostgres, type LocalPostgres } from '../support/local-postgres';
import type { Configuration } from './configurations';
import { collectServerInfo, formatSettings, type ServerInfo } from './machine-info';

/** A server for one configuration, and what it is. */
export interface ConfigurationServer {
  readonly server: LocalPostgres;
  readonly info: ServerInfo;
}

/**
 * The server a configuration runs on: DATABASE_URL's when it is set and its settings are the
 * configuration's (a durable server serves the durable configuration), otherwise a throwaway
 * embedded server started with the configuration's flags. Either way the settings are read back
 * from the server, and a server that does not have them is refused: a report must never call a
 * run durable that was not.
 */
export async function startConfigurationServer(
  configuration: Configuration,
): Promise<ConfigurationServer> {
  const external = process.env.DATABASE_URL?.trim();
  if (external) {
    const info = await collectServerInfo(external, 'DATABASE_URL');
    if (configuration.matches(info.settings)) {
      return { server: await startLocalPostgres(), info };
    }
  }
  const server = await startLocalPostgres({
    forceEmbedded: true,
    postgresFlags: [...configuration.postgresFlags],
  });
  try {
    const info = await collectServerInfo(server.url, 'embedded PostgreSQL started by the run');
    if (!configuration.matches(info.settings)) {
      throw new Error(
        `the server started for ${configuration.id} reports ${formatSettings(info.settings)}`,
      );
    }
    return { server, info };
  } catch (error) {
    await server.stop();
    throw error;
  }
}
