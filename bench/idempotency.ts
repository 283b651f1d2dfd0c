/**
 * What a command id costs an append: S1 (one event per append, sequential, new aggregates), S3
 * (32 concurrent appenders on a pool of 10) and S1-existing (S1's appender depositing into
 * accounts that already have events: the keyed append then also checks `command_keys`), appends
 * with and without `commandId` interleaved one by one, so that drift on a shared machine falls
 * on both alike. Prints a markdown table; the
 * numbers are recorded in bench/RESULTS-idempotency.md. `npm run bench:idempotency [-- --quick]`.
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { createTesseraDataSource, EventRepository } from '../src';
import { BankAccount, Owner } from '../examples/bank-account';
import { createScratchDatabase, startLocalPostgres } from '../support/local-postgres';
import { median } from './median';

const owner = new Owner('Ada Lovelace', 'ada@example.com');
const quick = process.argv.includes('--quick');
const ROUNDS = quick ? 3 : 7;

type Variant = 'plain' | 'keyed';

/** The accounts an appender deposits into, when its scenario appends to existing streams. */
type Accounts = BankAccount[] | undefined;

async function appendOne(
  repository: EventRepository,
  variant: Variant,
  accounts: Accounts,
  i: number,
): Promise<void> {
  let account: BankAccount;
  if (accounts) {
    account = accounts[i % accounts.length];
    account.deposit(1);
  } else {
    account = BankAccount.open(randomUUID(), owner, 'EUR');
  }
  await repository.save(account, variant === 'keyed' ? { commandId: randomUUID() } : {});
}

async function openedAccounts(repository: EventRepository, n: number): Promise<BankAccount[]> {
  const accounts = Array.from({ length: n }, () => BankAccount.open(randomUUID(), owner, 'EUR'));
  await repository.saveAll(accounts);
  return accounts;
}

/**
 * Per-append latencies of both variants, alternating append by append (each of `workers`
 * appenders switches variant on every append), so load from other processes on this shared
 * machine falls on both alike.
 */
async function latencies(
  repository: EventRepository,
  workers: number,
  n: number,
  accounts: readonly Accounts[],
): Promise<Record<Variant, number[]>> {
  const times: Record<Variant, number[]> = { plain: [], keyed: [] };
  let next = 0;
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      for (let i = w; next++ < n; i++) {
        const variant: Variant = i % 2 === 0 ? 'plain' : 'keyed';
        const start = performance.now();
        await appendOne(repository, variant, accounts[w], i);
        times[variant].push(performance.now() - start);
      }
    }),
  );
  return times;
}

const mean = (values: readonly number[]): number =>
  values.reduce((a, b) => a + b, 0) / values.length;

async function main(): Promise<void> {
  const server = await startLocalPostgres();
  const scratch = await createScratchDatabase(server.url, 'tessera_bench_keys');
  const dataSource = createTesseraDataSource({ url: scratch.url, poolSize: 10 });
  try {
    await dataSource.initialize();
    await dataSource.runMigrations();
    const repository = new EventRepository(dataSource);
    const scenarios = [
      { id: 'S1', workers: 1, operations: quick ? 2000 : 8000, existing: false },
      { id: 'S3', workers: 32, operations: quick ? 4000 : 16000, existing: false },
      { id: 'S1-existing', workers: 1, operations: quick ? 2000 : 8000, existing: true },
    ];
    const lines: string[] = [
      '| scenario | appends | without key: median / mean ms | with commandId: median / mean ms | with / without (median, mean) |',
      '| --- | ---: | ---: | ---: | ---: |',
    ];
    for (const scenario of scenarios) {
      const accounts: Accounts[] = [];
      for (let w = 0; w < scenario.workers; w++) {
        accounts.push(scenario.existing ? await openedAccounts(repository, 100) : undefined);
      }
      await latencies(repository, scenario.workers, scenario.operations / 4, accounts);
      const times: Record<Variant, number[]> = { plain: [], keyed: [] };
      for (let round = 0; round < ROUNDS; round++) {
        const r = await latencies(
          repository,
          scenario.workers,
          scenario.operations / ROUNDS,
          accounts,
        );
        times.plain.push(...r.plain);
        times.keyed.push(...r.keyed);
      }
      const [mp, mk] = [median(times.plain), median(times.keyed)];
      const [ap, ak] = [mean(times.plain), mean(times.keyed)];
      lines.push(
        `| ${scenario.id} | ${times.plain.length + times.keyed.length} | ${mp.toFixed(3)} / ${ap.toFixed(3)} | ` +
          `${mk.toFixed(3)} / ${ak.toFixed(3)} | ${(mk / mp).toFixed(3)}, ${(ak / ap).toFixed(3)} |`,
      );
    }
    console.log(lines.join('\n'));
  } finally {
    if (dataSource.isInitialized) await dataSource.destroy();
    await scratch.drop();
    await server.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
