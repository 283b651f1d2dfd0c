import { cpus, loadavg, release, totalmem, type } from 'node:os';
import { Client } from 'pg';

/** What a reader needs to compare a run with their own. */
export interface MachineInfo {
  readonly date: string;
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly os: string;
  readonly node: string;
  readonly postgres: string;
  /** The server settings that move append numbers most. */
  readonly postgresSettings: string;
  /** DATABASE_URL's server, or the embedded one started for the run. */
  readonly server: string;
  /** 1-minute load average when the run started: other work on the machine skews results. */
  readonly loadAverage: number;
}

const SETTINGS = ['fsync', 'synchronous_commit', 'full_page_writes', 'shared_buffers'];

/** Describes this machine and the PostgreSQL server at `serverUrl`. */
export async function collectMachineInfo(
  serverUrl: string,
  embedded: boolean,
): Promise<MachineInfo> {
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ version: string }>('SELECT version() AS version');
    const settings: string[] = [];
    for (const name of SETTINGS) {
      const result = await client.query<{ value: string }>('SELECT current_setting($1) AS value', [
        name,
      ]);
      settings.push(`${name}=${result.rows[0].value}`);
    }
    const cpuList = cpus();
    return {
      date: new Date().toISOString(),
      cpu: cpuList[0]?.model ?? 'unknown',
      cores: cpuList.length,
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      os: `${type()} ${release()}`,
      node: process.version,
      postgres: rows[0].version,
      postgresSettings: settings.join(', '),
      loadAverage: loadavg()[0],
      server: embedded
        ? 'embedded PostgreSQL started by the run (DATABASE_URL unset)'
        : 'DATABASE_URL',
    };
  } finally {
    await client.end();
  }
}
