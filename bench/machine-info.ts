import { cpus, loadavg, release, totalmem, type } from 'node:os';
import { Client } from 'pg';

/** What a reader needs to compare a run with their own: the machine. */
export interface MachineInfo {
  readonly date: string;
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly os: string;
  readonly node: string;
  /** 1-minute load average when the run started: other work on the machine skews results. */
  readonly loadAverage: number;
}

/** The server one configuration ran on. */
export interface ServerInfo {
  /** `SELECT version()`. */
  readonly postgres: string;
  /** The settings that move append numbers most, as the server reports them. */
  readonly settings: Readonly<Record<string, string>>;
  /** DATABASE_URL's server, or an embedded one started for the run. */
  readonly source: string;
}

const SETTINGS = [
  'fsync',
  'synchronous_commit',
  'full_page_writes',
  'wal_sync_method',
  'data_checksums',
  'shared_buffers',
  'max_wal_size',
  'checkpoint_timeout',
];

/** Describes this machine. */
export function collectMachineInfo(): MachineInfo {
  const cpuList = cpus();
  return {
    date: new Date().toISOString(),
    cpu: cpuList[0]?.model ?? 'unknown',
    cores: cpuList.length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    os: `${type()} ${release()}`,
    node: process.version,
    loadAverage: loadavg()[0],
  };
}

/** Reads the version and settings of the server at `serverUrl`. */
export async function collectServerInfo(serverUrl: string, source: string): Promise<ServerInfo> {
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ version: string }>('SELECT version() AS version');
    const settings: Record<string, string> = {};
    for (const name of SETTINGS) {
      const result = await client.query<{ value: string }>('SELECT current_setting($1) AS value', [
        name,
      ]);
      settings[name] = result.rows[0].value;
    }
    return { postgres: rows[0].version, settings, source };
  } finally {
    await client.end();
  }
}

/** The settings as `name=value, ...`. */
export function formatSettings(settings: Readonly<Record<string, string>>): string {
  return Object.entries(settings)
    .map(([name, value]) => `${name}=${value}`)
    .join(', ');
}
