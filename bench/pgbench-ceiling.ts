import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createTesseraDataSource } from '../src';
import { DEPOSITED, depositedPayload, eventMetadata, OPENED, openedPayload } from './bank-events';
import type { ChildResult } from './job';
import { reapedChildrenCpuSeconds, serverCpuSeconds } from './process-cpu';

const run = promisify(execFile);

/** The append shapes pgbench writes: S1/S3's one event, S2's ten in one stream, S6's ten streams. */
export type CeilingScript = 'one-event' | 'ten-events-one-stream' | 'ten-streams';

/** What pgbench runs for a scenario: which statement, on how many connections, for how long. */
export interface Ceiling {
  readonly script: CeilingScript;
  readonly clients: number;
  /** Timed seconds, after an untimed warm-up of the same statement. */
  readonly seconds: number;
}

/** Transactions per connection before the timed run. */
const WARM_UP_TRANSACTIONS = 250;
const COLUMNS = 'id, aggregate_id, aggregate_type, event_type, version, payload, metadata';
const TEN = Array.from({ length: 10 }, (_, i) => i);

/**
 * The pgbench scripts. Every value the contenders send as a parameter is a pgbench variable,
 * which `-M prepared` sends as a bind parameter of a statement prepared once per connection (a
 * literal would be folded into the plan, and the server would parse its JSON once, not per row).
 * Event and aggregate ids are `gen_random_uuid()` on the server, as pgbench has no string values
 * of its own; S2's ten rows share one id through a CTE.
 */
const SCRIPTS: Readonly<Record<CeilingScript, string>> = {
  'one-event':
    `INSERT INTO events (${COLUMNS}) VALUES (gen_random_uuid(), gen_random_uuid(), ` +
    ':aggregate_type, :opened, 1, :opened_payload::jsonb, :metadata::jsonb);',
  'ten-events-one-stream':
    `WITH stream AS (SELECT gen_random_uuid() AS id) INSERT INTO events (${COLUMNS}) ` +
    'SELECT gen_random_uuid(), stream.id, :aggregate_type, e.event_type, e.version, e.payload, ' +
    'e.metadata FROM stream, (VALUES ' +
    TEN.map((i) =>
      i === 0
        ? '(1, :opened, :opened_payload::jsonb, :metadata::jsonb)'
        : `(${i + 1}, :deposited, :deposited_payload::jsonb, :metadata::jsonb)`,
    ).join(', ') +
    ') AS e(version, event_type, payload, metadata);',
  'ten-streams':
    `INSERT INTO events (${COLUMNS}) VALUES ` +
    TEN.map(
      () =>
        '(gen_random_uuid(), gen_random_uuid(), :aggregate_type, :opened, 1, ' +
        ':opened_payload::jsonb, :metadata::jsonb)',
    ).join(', ') +
    ';',
};

/** The statement a ceiling runs, for the report. */
export function ceilingStatement(script: CeilingScript): string {
  return SCRIPTS[script];
}

/** pgbench on PATH, else the newest PostgreSQL's under /usr/lib/postgresql; undefined if none. */
export function findPgbench(): string | undefined {
  const fromEnv = process.env.PGBENCH;
  if (fromEnv) return fromEnv;
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir && existsSync(join(dir, 'pgbench'))) return join(dir, 'pgbench');
  }
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a));
  for (const v of versions)
    if (existsSync(join(root, v, 'bin', 'pgbench'))) {
      return join(root, v, 'bin', 'pgbench');
    }
  return undefined;
}

/** `pgbench --version`, or undefined when there is no pgbench. */
export async function pgbenchVersion(): Promise<string | undefined> {
  const pgbench = findPgbench();
  if (!pgbench) return undefined;
  return (await run(pgbench, ['--version'])).stdout.trim();
}

/**
 * The server's ceiling for one scenario: pgbench appends the same rows to the same table (created
 * by tessera's migrations in `databaseUrl`, an empty scratch database) for the ceiling's seconds,
 * after 250 untimed transactions per connection. One pgbench transaction is one append (S6: one saveAll).
 */
export async function runPgbench(
  databaseUrl: string,
  ceiling: Ceiling,
  postmaster?: number,
): Promise<ChildResult> {
  const pgbench = findPgbench();
  if (!pgbench) throw new Error('pgbench not found (PATH, /usr/lib/postgresql/*/bin, $PGBENCH)');
  const dataSource = createTesseraDataSource({ url: databaseUrl, poolSize: 1 });
  await dataSource.initialize();
  await dataSource.runMigrations();
  await dataSource.destroy();
  const dir = await mkdtemp(join(tmpdir(), 'tessera-pgbench-'));
  try {
    const script = join(dir, `${ceiling.script}.sql`);
    await writeFile(script, `${SCRIPTS[ceiling.script]}\n`);
    const now = new Date();
    const args = [
      '--no-vacuum',
      '--protocol=prepared',
      `--file=${script}`,
      `--client=${ceiling.clients}`,
      // pgbench's own threads: one per core at most, so pgbench is not the limit.
      `--jobs=${Math.min(ceiling.clients, 2)}`,
      ...variables({
        aggregate_type: 'BankAccount',
        opened: OPENED,
        deposited: DEPOSITED,
        opened_payload: JSON.stringify(openedPayload(now)),
        deposited_payload: JSON.stringify(depositedPayload()),
        metadata: JSON.stringify(eventMetadata(now)),
      }),
    ];
    // The password goes in the environment: argv is readable by every local user.
    const url = new URL(databaseUrl);
    const env = { ...process.env, PGPASSWORD: decodeURIComponent(url.password) };
    url.password = '';
    // Untimed first: connections made, statements prepared, the table's first pages written.
    await run(pgbench, [...args, `--transactions=${WARM_UP_TRANSACTIONS}`, url.href], { env });
    const serverBefore = serverCpuSeconds(postmaster);
    const clientBefore = reapedChildrenCpuSeconds();
    const { stdout } = await run(pgbench, [...args, `--time=${ceiling.seconds}`, url.href], {
      env,
    });
    const clientAfter = reapedChildrenCpuSeconds();
    const serverAfter = serverCpuSeconds(postmaster);
    const difference = (before?: number, after?: number): number | undefined =>
      before !== undefined && after !== undefined ? after - before : undefined;
    // pgbench's connection set-up and its summary are inside these CPU figures, not its tps.
    return {
      ...parsePgbenchOutput(stdout),
      cpu: {
        client: difference(clientBefore, clientAfter),
        server: difference(serverBefore, serverAfter),
      },
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function variables(values: Record<string, string>): string[] {
  return Object.entries(values).map(([name, value]) => `--define=${name}=${value}`);
}

/** Transactions and tps of a pgbench run's summary; throws when any transaction failed. */
export function parsePgbenchOutput(stdout: string): ChildResult {
  const processed = /number of transactions actually processed: (\d+)/.exec(stdout);
  const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(stdout);
  const failed = /number of failed transactions: (\d+)/.exec(stdout);
  if (!processed || !tps) throw new Error(`unexpected pgbench output:\n${stdout}`);
  if (failed && Number(failed[1]) > 0) throw new Error(`pgbench: ${failed[1]} failed transactions`);
  const operations = Number(processed[1]);
  return { operations, seconds: operations / Number(tps[1]), maxRssKb: 0 };
}
