import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { BankAccount, Owner } from '../../examples/bank-account';
import { ConcurrencyError, EventRepository } from '../../src';
import { EventArchiver } from '../../src/infrastructure/archive/event-archiver';
import { useScratchDatabase } from '../change-feed/support/scratch-database';

describe('the archived-stream guard: a new stream may not restart an archived id', function () {
  this.timeout(60_000);
  const db = useScratchDatabase({ poolSize: 4 });
  const owner = new Owner('Ada', 'ada@example.com');
  const id = randomUUID();

  before(async () => {
    const account = BankAccount.open(id, owner, 'EUR');
    account.deposit(10);
    account.deposit(20);
    await new EventRepository(db.dataSource).save(account);
    await db.dataSource.transaction(async (manager) => {
      await manager.query(`SELECT set_config('tessera.allow_event_mutation', 'on', true)`);
      await manager.query(`UPDATE events SET created_at = created_at - interval '200 days'`);
    });
    for await (const _ of new EventArchiver(db.dataSource).run({ olderThan: '90 days' })) void _;
    const archived = await db.dataSource.query<unknown[]>(
      'SELECT 1 FROM events_archive WHERE aggregate_id = $1 AND version = 1',
      [id],
    );
    expect(archived).to.have.length(1);
  });

  async function versionOnes(): Promise<number> {
    const rows = await db.dataSource.query<unknown[]>(
      'SELECT 1 FROM events WHERE aggregate_id = $1 AND version = 1',
      [id],
    );
    return rows.length;
  }

  it('refuses a save of a new stream under that id as a conflict, writing nothing', async () => {
    const again = BankAccount.open(id, owner, 'EUR');
    const refused = await new EventRepository(db.dataSource).save(again).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused).to.be.instanceOf(ConcurrencyError);
    expect(await versionOnes()).to.equal(0);
  });

  it('carries no SET clause, and no object on the search_path stands in for its operators', async () => {
    const [fn] = await db.dataSource.query<{ proconfig: string[] | null }[]>(
      "SELECT proconfig FROM pg_proc WHERE proname = 'tessera_refuse_archived_stream_start'",
    );
    expect(fn.proconfig).to.equal(null);
    // An `=` on uuids that never matches, first on the search_path: a guard resolving its
    // operators through the search_path would find no archived row and let the insert through.
    const runner = db.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.query('CREATE SCHEMA shadow');
      await runner.query(
        'CREATE FUNCTION shadow.never(uuid, uuid) RETURNS boolean LANGUAGE sql AS $$ SELECT false $$',
      );
      await runner.query(
        'CREATE OPERATOR shadow.= (LEFTARG = uuid, RIGHTARG = uuid, FUNCTION = shadow.never)',
      );
      await runner.query('SET search_path = shadow, pg_catalog, public');
      const error = await runner
        .query(
          'INSERT INTO public.events (id, aggregate_id, aggregate_type, event_type, version, payload, metadata) ' +
            "VALUES (gen_random_uuid(), $1, 'BankAccount', 'AccountOpened', 1, '{}', '{}')",
          [id],
        )
        .then(
          () => undefined,
          (e: { driverError?: { code?: string; detail?: string } }) => e,
        );
      expect(error?.driverError?.code).to.equal('23505');
      expect(error?.driverError?.detail).to.match(/already exists \(archived\)/);
    } finally {
      await runner.query('RESET search_path');
      await runner.query('DROP SCHEMA shadow CASCADE');
      await runner.release();
    }
    expect(await versionOnes()).to.equal(0);
  });
});
