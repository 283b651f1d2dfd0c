/**
 * `npm start`: the bank-account example end to end on a real PostgreSQL: the one in DATABASE_URL,
 * or a throwaway embedded server when it is unset.
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { ConcurrencyError, createTesseraDataSource, EventRepository } from '../../src';
import { startLocalPostgres } from '../../support/local-postgres';
import { BankAccount } from './bank-account';
import { Owner } from './events';

async function main(): Promise<void> {
  const server = await startLocalPostgres();
  console.log(
    server.embedded
      ? 'Started an embedded PostgreSQL (DATABASE_URL is unset).'
      : 'Using DATABASE_URL.',
  );
  const dataSource = createTesseraDataSource({ url: server.url, poolSize: 4 });
  try {
    await dataSource.initialize();
    const applied = await dataSource.runMigrations();
    console.log(
      `Migrations applied: ${applied.map((m) => m.name).join(', ') || 'none (already up to date)'}`,
    );
    const repository = new EventRepository(dataSource);

    const id = randomUUID();
    const account = BankAccount.open(
      id,
      new Owner('Ada Lovelace', 'ada@example.com'),
      'EUR',
      5_000,
    );
    account.deposit(10_000);
    await repository.save(account, { correlationId: randomUUID(), actor: 'demo' });
    console.log(`Opened account ${id} and deposited 100.00 EUR: version ${account.version}.`);

    // Two writers load the same version; the barrier makes both load before either saves, so
    // one of them is bound to lose the race and retry on the latest state.
    let loaded = 0;
    let release: () => void = () => {};
    const bothLoaded = new Promise<void>((resolve) => (release = resolve));
    const attempts = { alice: 0, bob: 0 };
    const writer = (name: 'alice' | 'bob', amount: number) =>
      repository.update(
        BankAccount,
        id,
        async (acc) => {
          attempts[name] += 1;
          console.log(
            `  ${name}: attempt ${attempts[name]} on version ${acc.version}, withdraws ${amount / 100}`,
          );
          if (attempts[name] === 1 && ++loaded === 2) release();
          if (attempts[name] === 1) await bothLoaded;
          acc.withdraw(amount);
        },
        { retries: 5, actor: name },
      );
    console.log('Two concurrent writers:');
    await Promise.all([writer('alice', 3_000), writer('bob', 4_500)]);
    const conflicts = attempts.alice + attempts.bob - 2;
    console.log(`  ${conflicts} ConcurrencyError(s) resolved by retry (${ConcurrencyError.name}).`);

    const reloaded = await repository.load(BankAccount, id);
    console.log(
      `Reloaded: balance ${(reloaded.balance / 100).toFixed(2)} ${reloaded.currency} at version ${reloaded.version}.`,
    );
    if (reloaded.balance !== 10_000 - 3_000 - 4_500) throw new Error('unexpected balance');

    const rows = await dataSource.query<
      Array<{
        version: number;
        event_type: string;
        payload: string;
        actor: string | null;
        created_at: Date;
      }>
    >(
      `SELECT version, event_type, payload::text AS payload, metadata->'headers'->>'actor' AS actor, created_at
         FROM events WHERE aggregate_id = $1 ORDER BY version`,
      [id],
    );
    console.log('Stored rows:');
    console.table(rows);
  } finally {
    if (dataSource.isInitialized) await dataSource.destroy();
    await server.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
