import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { BankAccount, Owner } from '../../examples/bank-account';
import { AggregateNotFoundError, createTesseraDataSource, EventRepository } from '../../src';
import { withClient } from '../../support/local-postgres';
import { startBackedUpCluster, type BackedUpCluster } from './support/backed-up-cluster';

/** Versions per aggregate, as stored. */
async function streams(url: string): Promise<Record<string, number[]>> {
  return withClient(url, async (client) => {
    const { rows } = await client.query<{ id: string; versions: number[] }>(
      'SELECT aggregate_id::text AS id, array_agg(version ORDER BY version) AS versions ' +
        'FROM events GROUP BY aggregate_id',
    );
    return Object.fromEntries(rows.map((r) => [r.id, r.versions]));
  });
}

async function withRepository<T>(
  url: string,
  work: (repository: EventRepository, dataSource: DataSource) => Promise<T>,
): Promise<T> {
  const dataSource = createTesseraDataSource({ url, poolSize: 2 });
  await dataSource.initialize();
  try {
    return await work(new EventRepository(dataSource), dataSource);
  } finally {
    await dataSource.destroy();
  }
}

// docs/operations-archival-and-recovery.md, "Point-in-time recovery", follows these steps.
describe('point-in-time recovery with pgBackRest', function () {
  this.timeout(300_000);
  let cluster: BackedUpCluster | undefined;

  after(async () => {
    await cluster?.remove();
  });

  it('restores the server to a time T: events before T intact, after T absent, writable', async () => {
    // 1. A server with WAL archiving to a pgBackRest repository, and a full backup.
    cluster = await startBackedUpCluster();
    await cluster.pgbackrest(['check']);
    await cluster.pgbackrest(['backup', '--type=full']);
    const info = JSON.parse(await cluster.pgbackrest(['info', '--output=json'])) as {
      backup: { label: string }[];
    }[];
    const backup = info[0].backup.at(-1)!.label;
    const { url } = cluster;

    // 2. Events A (after the backup: they come back from the archived WAL).
    const [first, second] = [randomUUID(), randomUUID()];
    await withRepository(url, async (repository, dataSource) => {
      await dataSource.runMigrations();
      const account = BankAccount.open(first, new Owner('Ada', 'ada@example.com'), 'EUR');
      account.deposit(100);
      account.deposit(50);
      await repository.saveAll([
        account,
        BankAccount.open(second, new Owner('Bob', 'bob@example.com'), 'USD'),
      ]);
    });
    const a = await streams(url);
    expect(a).to.deep.equal({ [first]: [1, 2, 3], [second]: [1] });

    // 3. T, on the server's clock, after A committed.
    const target = await withClient(url, async (client) => {
      const { rows } = await client.query<{ t: string }>('SELECT clock_timestamp()::text AS t');
      return rows[0].t;
    });

    // 4. Events B: more events on a stream of A, and a new stream.
    const third = randomUUID();
    await withRepository(url, async (repository) => {
      await repository.update(BankAccount, first, (account) => account.withdraw(30));
      await repository.save(BankAccount.open(third, new Owner('Eve', 'eve@example.com'), 'GBP'));
    });
    expect(Object.keys(await streams(url))).to.have.length(3);

    // 5. Close the WAL segment holding B and stop: a clean shutdown archives it.
    await withClient(url, (client) => client.query('SELECT pg_switch_wal()'));
    await cluster.stop();

    // 6. Restore to T over the stopped cluster's data directory, and start it.
    // --set names the backup: pgBackRest's own choice compares T with the backup's stop time in
    // whole seconds, and T may fall in the second the backup ended.
    await cluster.pgbackrest([
      'restore',
      `--set=${backup}`,
      '--delta',
      '--type=time',
      `--target=${target}`,
      '--target-action=promote',
    ]);
    await cluster.start();
    await untilPromoted(url);

    // 7. A is there with its versions, B is not, and Tessera reads and writes.
    expect(await streams(url)).to.deep.equal(a);
    await withRepository(url, async (repository) => {
      const account = await repository.load(BankAccount, first);
      expect(account.version).to.equal(3);
      expect(account.balance).to.equal(150);
      expect(await repository.load(BankAccount, third).catch((e: unknown) => e)).to.be.instanceOf(
        AggregateNotFoundError,
      );
      await repository.update(BankAccount, first, (a) => a.deposit(1));
      expect((await repository.load(BankAccount, first)).version).to.equal(4);
    });
  });
});

/** Waits (bounded) until the restored server has replayed to T and promoted itself. */
async function untilPromoted(url: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const recovering = await withClient(url, async (client) => {
      const { rows } = await client.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r');
      return rows[0].r;
    });
    if (!recovering) return;
    if (Date.now() > deadline) throw new Error('the restored server did not promote in 120 s');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
