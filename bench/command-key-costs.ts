/**
 * Where a command id's cost goes (issue 15), in two parts. `client`: prepareAppend and the
 * statement build of a one-event save, with and without a key, in the same process, interleaved
 * in blocks. `server`: the exact texts the repository sends, as named prepared statements on one
 * raw pg client, interleaved in blocks, with the backend's own CPU time per statement (from
 * /proc/PID/schedstat, so other processes' load barely moves it) beside the wall time:
 *
 * - `plain`: the append without a key; `keyed`: with its key on the event row, under the partial
 *   unique index `(aggregate_id, command_id) WHERE command_id IS NOT NULL` (the repository's);
 * - `command_keys row`: the append as it was before migration 1732500060000, the key in a
 *   `command_keys` row written by the same statement; `command_keys row, no index`: the same
 *   against a copy of `command_keys` without its primary key (the key row's heap and index
 *   shares).
 *
 * The numbers are recorded in bench/RESULTS-idempotency.md.
 * With `--existing`, the server part appends to streams that have events instead: plain, keyed,
 * and keyed without each lookup of the check a keyed append to such a stream makes.
 *
 * `ts-node bench/command-key-costs.ts client|server [--existing] [--rounds N]`; the server part runs against
 * DATABASE_URL, else a throwaway embedded server (durability off).
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { createTesseraDataSource } from '../src';
import { EventSerializer } from '../src/domain/codec/event-serializer';
import {
  eventsFingerprint,
  markBatchCommitted,
  prepareAppend,
} from '../src/domain/repository/append-batch';
import { AppendStatements } from '../src/infrastructure/append/append-statement';
import type { BoundStatement } from '../src/infrastructure/sql/named-sql';
import { BankAccount, Owner } from '../examples/bank-account';
import { createScratchDatabase, startLocalPostgres } from '../support/local-postgres';
import { median } from './median';

const owner = new Owner('Ada Lovelace', 'ada@example.com');
const serializer = new EventSerializer();

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i < 0 ? fallback : Number(process.argv[i + 1]);
}

function statements(): AppendStatements {
  return new AppendStatements('"events"', '"snapshots"', '"command_keys"', '"unique_values"');
}

/**
 * A one-event save as the repository builds it: of a new account, or (`existing`) a deposit to
 * one of those accounts at version 1, taken in turn.
 */
function append(
  st: AppendStatements,
  commandId: string | undefined,
  existing?: readonly string[],
): BoundStatement {
  const options = commandId ? { commandId } : {};
  if (!existing) {
    const account = BankAccount.open(randomUUID(), owner, 'EUR');
    return st.build(prepareAppend([account], options, serializer));
  }
  const account = BankAccount.open(existing[taken++ % existing.length], owner, 'EUR');
  markBatchCommitted(prepareAppend([account], {}, serializer));
  account.deposit(1);
  return st.build(prepareAppend([account], options, serializer));
}
let taken = 0;

function clientSide(): void {
  const st = statements();
  const rounds = option('--rounds', 60);
  const block = 2000;
  const times = new Map<string, number[]>();
  const record = (name: string, ms: number): void => {
    const list = times.get(name) ?? [];
    list.push((ms / block) * 1000);
    times.set(name, list);
  };
  for (let r = -3; r < rounds; r++) {
    for (const variant of r % 2 === 0 ? ['plain', 'keyed'] : ['keyed', 'plain']) {
      const accounts = Array.from({ length: block }, () =>
        BankAccount.open(randomUUID(), owner, 'EUR'),
      );
      const options = accounts.map(() => (variant === 'keyed' ? { commandId: randomUUID() } : {}));
      const t0 = performance.now();
      const batches = accounts.map((a, i) => prepareAppend([a], options[i], serializer));
      const t1 = performance.now();
      for (const batch of batches) st.build(batch);
      const t2 = performance.now();
      if (r < 0) continue;
      record(`${variant}: prepareAppend`, t1 - t0);
      record(`${variant}: build`, t2 - t1);
    }
  }
  const rows = [{ eventType: 'AccountOpened', payloadJson: JSON.stringify({ owner, c: 'EUR' }) }];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    for (let i = 0; i < block; i++) eventsFingerprint('BankAccount', rows);
    record('eventsFingerprint (one event)', performance.now() - t0);
  }
  for (const [name, list] of times) console.log(`${name}: ${median(list).toFixed(2)} us`);
}

interface Variant {
  readonly text: string;
  readonly params: () => readonly unknown[];
}

/** Appends that open new streams: plain, keyed, and keyed as before CommandKeysOnEvents. */
function newStreamVariants(st: AppendStatements): Record<string, Variant> {
  const plain = append(st, undefined).sql.text;
  const keyed = append(st, 'k').sql.text;
  // The keyed parameters: $1 command id, $2 aggregate id, $3 type, $4 event id, $5 event type,
  // $6 version, $7 payload, $8 metadata, $9 fingerprint, $10 last version.
  const keyedParams = (): readonly unknown[] => append(st, randomUUID()).params;
  // The append as it was before CommandKeysOnEvents: the plain insert, then a command_keys row.
  const keyRow = (table: string): string =>
    'WITH w0 AS (INSERT INTO "events" (id, aggregate_id, aggregate_type, event_type, version, ' +
    'payload, metadata) VALUES ($3::uuid, $1::uuid, $2, $4, $5::int, $6::jsonb, $7::jsonb) ' +
    `RETURNING 1) INSERT INTO "${table}" (aggregate_id, command_id, fingerprint, first_version, ` +
    'last_version) VALUES ($1::uuid, $8, $9, $10::int, $10::int)';
  const keyRowParams = (): readonly unknown[] => {
    const p = keyedParams();
    return [p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[0], p[8], p[9]];
  };
  return {
    plain: { text: plain, params: () => append(st, undefined).params },
    keyed: { text: keyed, params: keyedParams },
    'command_keys row': { text: keyRow('command_keys'), params: keyRowParams },
    'command_keys row, no index': { text: keyRow('keys_no_index'), params: keyRowParams },
  };
}

/**
 * Deposits to accounts at version 1 (rows inserted here, enough for every execution): plain,
 * keyed, and keyed with each of the check's two lookups (the stream's version 1, command_keys)
 * taken out, then both (what is left is the command-key index entry).
 */
async function existingVariants(
  client: Client,
  st: AppendStatements,
): Promise<Record<string, Variant>> {
  const ids = Array.from({ length: 200_000 }, () => randomUUID());
  await client.query(
    'INSERT INTO events (aggregate_id, aggregate_type, event_type, version, payload, metadata) ' +
      "SELECT unnest($1::uuid[]), 'BankAccount', 'BankAccount.AccountOpened', 1, '{}', '{}'",
    [ids],
  );
  await client.query('VACUUM ANALYZE events');
  const keyed = append(st, 'k', ids).sql.text;
  const withoutVersionOne = keyed.replace(
    /f\.version = 1 AND f\.command_id = \$1::varchar/,
    'false',
  );
  const withoutKeyTable = keyed.replace(/k\.command_id = \$1::varchar/, 'false');
  const keyedParams = (): readonly unknown[] => append(st, randomUUID(), ids).params;
  return {
    plain: {
      text: append(st, undefined, ids).sql.text,
      params: () => append(st, undefined, ids).params,
    },
    keyed: { text: keyed, params: keyedParams },
    'keyed, no version-1 lookup': { text: withoutVersionOne, params: keyedParams },
    'keyed, no command_keys lookup': { text: withoutKeyTable, params: keyedParams },
    'keyed, index entry only': {
      text: withoutKeyTable.replace(/f\.version = 1 AND f\.command_id = \$1::varchar/, 'false'),
      params: keyedParams,
    },
  };
}

async function serverSide(existing: boolean): Promise<void> {
  const server = await startLocalPostgres();
  const scratch = await createScratchDatabase(server.url, 'tessera_bench_key_costs');
  const dataSource = createTesseraDataSource({ url: scratch.url, poolSize: 1 });
  const client = new Client({ connectionString: scratch.url });
  try {
    await dataSource.initialize();
    await dataSource.runMigrations();
    await dataSource.destroy();
    await client.connect();
    await client.query('CREATE TABLE keys_no_index (LIKE command_keys INCLUDING DEFAULTS)');
    // The command_keys row variants reproduce the append before CommandKeysOnEvents, when the
    // table took inserts without a guard.
    await client.query('DROP TRIGGER trg_command_keys_insert_guard ON command_keys');
    const st = statements();
    const variants = existing ? await existingVariants(client, st) : newStreamVariants(st);
    const names = Object.keys(variants);
    const { pid } = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0];
    const backendNs = (): number =>
      Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]);
    const block = 400;
    const rounds = option('--rounds', 30);
    const wall = new Map<string, number[]>(names.map((n) => [n, []]));
    const cpu = new Map<string, number[]>(names.map((n) => [n, []]));
    for (let r = -1; r < rounds; r++) {
      for (const name of r % 2 === 0 ? names : [...names].reverse()) {
        const params = Array.from({ length: block }, () => variants[name].params());
        const c0 = backendNs();
        const t0 = performance.now();
        for (const values of params) {
          await client.query({
            name: `key_costs_${name}`,
            text: variants[name].text,
            values: [...values],
          });
        }
        const t1 = performance.now();
        const c1 = backendNs();
        if (r < 0) continue;
        wall.get(name)!.push(((t1 - t0) / block) * 1000);
        cpu.get(name)!.push((c1 - c0) / block / 1000);
      }
    }
    const [basisWall, basisCpu] = [median(wall.get('plain')!), median(cpu.get('plain')!)];
    console.log('| statement | wall median us | backend CPU median us | extra wall | extra CPU |');
    console.log('| --- | ---: | ---: | ---: | ---: |');
    for (const name of names) {
      const [w, c] = [median(wall.get(name)!), median(cpu.get(name)!)];
      console.log(
        `| ${name} | ${w.toFixed(1)} | ${c.toFixed(1)} | ${(w - basisWall).toFixed(1)} | ` +
          `${(c - basisCpu).toFixed(1)} |`,
      );
    }
  } finally {
    await client.end().catch(() => undefined);
    if (dataSource.isInitialized) await dataSource.destroy();
    await scratch.drop();
    await server.stop();
  }
}

(process.argv.includes('server')
  ? serverSide(process.argv.includes('--existing'))
  : Promise.resolve(clientSide())
).catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
