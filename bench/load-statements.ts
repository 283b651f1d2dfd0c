/**
 * `npm run bench:sql`: what the server spends executing each load statement over a 1,000-event
 * stream, against raw's plain SELECT of the same rows. Each statement is prepared on one
 * connection and run on its generic plan; the server's own "Execution Time" of
 * `EXPLAIN (ANALYZE, TIMING OFF)` is the measure (no per-node timing, no network, no client
 * parsing), so this isolates the server's share of S4's tessera/raw gap. EXPLAIN still counts
 * rows at every plan node, so a statement with more nodes (the head's UNION ALL) is overstated a
 * little against raw's single index scan; two forms of one statement compare fairly. Statements
 * are interleaved, ROUNDS rounds of SAMPLES executions each; medians of each round are printed.
 * Runs on DATABASE_URL's server, or an embedded one when it is unset.
 */
import 'reflect-metadata';
import { Client } from 'pg';
import { LoadStatements } from '../src/infrastructure/load/load-statements';
import { createScratchDatabase, startLocalPostgres } from '../support/local-postgres';
import { median } from './median';
import { TesseraDriver } from './drivers/tessera-driver';

const EVENTS = 1000;
const ROUNDS = 5;
const SAMPLES = 200;
/** Executions before the measured ones: caches warm, the plan built. */
const WARM_UP = 20;

interface Statement {
  readonly label: string;
  readonly text: string;
  readonly args: (id: string) => readonly unknown[];
}

function statements(): Statement[] {
  const sql = new LoadStatements('"events"', '"snapshots"');
  const headArgs = (id: string): readonly unknown[] => [id, 1, 'BankAccount', EVENTS + 1];
  const pageArgs = (id: string): readonly unknown[] => [id, 0, EVENTS + 1, 'BankAccount'];
  return [
    {
      label: 'raw: SELECT of the stream, no page, no type check',
      text: RAW_SELECT,
      args: (id) => [id],
    },
    {
      label: 'tessera: page (class without snapshots)',
      text: sql.page('', 0, 0, '').sql.text,
      args: pageArgs,
    },
    {
      label: 'tessera: head (snapshot lookup and first page)',
      text: sql.head('', 0, '', 0).sql.text,
      args: headArgs,
    },
    {
      label: 'head with NULLIF for the type check (before 2026-11-30)',
      text: withNullif(sql.head('', 0, '', 0).sql.text),
      args: headArgs,
    },
  ];
}

/** The head statement as it was written before: the same test as `NULLIF`. */
function withNullif(text: string): string {
  const rewritten = text.replace(
    /CASE WHEN aggregate_type = (\$\d) THEN NULL ELSE aggregate_type END/,
    (_, param: string) => `NULLIF(aggregate_type, ${param})`,
  );
  if (rewritten === text) throw new Error('the head statement no longer has the CASE type test');
  return rewritten;
}

const RAW_SELECT =
  'SELECT version, event_type, payload FROM events WHERE aggregate_id = $1 ORDER BY version';

async function executionMicros(
  client: Client,
  name: string,
  args: readonly unknown[],
): Promise<number> {
  // EXECUTE under EXPLAIN takes no bind parameters: the values (a generated uuid, numbers, a
  // type name) go in as escaped literals.
  const literals = args.map((a) =>
    typeof a === 'number' ? String(a) : client.escapeLiteral(String(a)),
  );
  const { rows } = await client.query<{ 'QUERY PLAN': string }>(
    `EXPLAIN (ANALYZE, TIMING OFF, SUMMARY) EXECUTE ${name}(${literals.join(', ')})`,
  );
  const line = rows.map((r) => r['QUERY PLAN']).find((l) => l.startsWith('Execution Time'));
  if (!line) throw new Error('EXPLAIN printed no Execution Time');
  return Number.parseFloat(line.split(':')[1]) * 1000;
}

async function main(): Promise<void> {
  const server = await startLocalPostgres();
  const db = await createScratchDatabase(server.url, 'tessera_bench_sql');
  try {
    const driver = await TesseraDriver.create(db.url, 1);
    const { id } = await driver.prefill(EVENTS);
    await driver.close();
    const client = new Client({ connectionString: db.url });
    await client.connect();
    try {
      const list = statements();
      // What PostgreSQL settles on after five executions anyway, from the first one on.
      await client.query('SET plan_cache_mode = force_generic_plan');
      for (const [i, s] of list.entries()) await client.query(`PREPARE s${i} AS ${s.text}`);
      const rounds = list.map(() => [] as number[]);
      for (let round = 0; round < ROUNDS; round++) {
        for (const [i, s] of list.entries()) {
          const samples: number[] = [];
          for (let n = 0; n < WARM_UP + SAMPLES; n++) {
            const micros = await executionMicros(client, `s${i}`, s.args(id));
            if (n >= WARM_UP) samples.push(micros);
          }
          rounds[i].push(median(samples));
        }
      }
      const { rows } = await client.query<{ v: string }>('SELECT version() AS v');
      console.log(`${rows[0].v.split(' on ')[0]}, ${EVENTS}-event stream, generic plans\n`);
      console.log('| statement | server execution, µs (median per round) | median | × raw |');
      console.log('| --- | --- | --: | --: |');
      const rawMedian = median(rounds[0]);
      for (const [i, s] of list.entries()) {
        const m = median(rounds[i]);
        const perRound = rounds[i].map((x) => x.toFixed(0)).join(' / ');
        console.log(
          `| ${s.label} | ${perRound} | ${m.toFixed(0)} | ${(m / rawMedian).toFixed(2)} |`,
        );
      }
    } finally {
      await client.end();
    }
  } finally {
    await db.drop();
    await server.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
