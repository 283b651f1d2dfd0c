/** Which server settings a part of the run measures. */
export type ConfigurationId = 'durable' | 'cpu';

/** A server configuration the whole scenario list runs on, with its own server. */
export interface Configuration {
  readonly id: ConfigurationId;
  /** What the configuration is for, for the report. */
  readonly title: string;
  /** Flags of the embedded server started for it (after support/local-postgres' own). */
  readonly postgresFlags: readonly string[];
  /** True when a server with these settings (as `current_setting` reads them) serves this role. */
  matches(settings: Readonly<Record<string, string>>): boolean;
}

/**
 * PostgreSQL's own defaults: every commit waits for its WAL to reach the disk. What users run,
 * and where the targets are read. support/local-postgres starts its servers with durability off;
 * a later `-c` wins, so these flags restore the defaults.
 */
export const DURABLE: Configuration = {
  id: 'durable',
  title: 'durable: fsync=on, synchronous_commit=on, full_page_writes=on (PostgreSQL defaults)',
  postgresFlags: ['-c', 'fsync=on', '-c', 'synchronous_commit=on', '-c', 'full_page_writes=on'],
  matches: (s) => s.fsync === 'on' && s.synchronous_commit === 'on' && s.full_page_writes === 'on',
};

/**
 * Durability off: no commit waits for the disk, so an append costs the client and the server's
 * CPU alone and the client's overhead shows most sharply. Not a configuration to run data on.
 */
export const CPU: Configuration = {
  id: 'cpu',
  title: 'CPU: fsync=off, synchronous_commit=off, full_page_writes=off',
  postgresFlags: [],
  matches: (s) => s.fsync === 'off' && s.synchronous_commit === 'off',
};

/** Both configurations, in the order a run measures them. */
export const CONFIGURATIONS: readonly Configuration[] = [DURABLE, CPU];
