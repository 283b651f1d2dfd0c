import { expect } from 'chai';
import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { ConcurrencyError, createTesseraDataSource, EventRepository } from '../../src';
import {
  AppendStatements,
  NAMED_LAYOUT_BUDGET,
} from '../../src/infrastructure/append/append-statement';
import { markBatchCommitted, prepareAppend } from '../../src/domain/repository/append-batch';
import { EventSerializer } from '../../src/domain/codec/event-serializer';
import { BankAccount, Owner } from '../../examples/bank-account';
import { useTestDatabase } from '../support/database';

const ada = new Owner('Ada Lovelace', 'ada@example.com');

interface Row {
  aggregate_id: string;
  aggregate_type: string;
  event_type: string;
  version: number;
  payload: { amount?: number };
}

/** An account with `events` events (opening + deposits of 1, 2, ...), not yet saved. */
function account(events: number): BankAccount {
  const opened = BankAccount.open(randomUUID(), ada, 'EUR');
  for (let i = 1; i < events; i++) opened.deposit(i);
  return opened;
}

describe('EventRepository append statements (one per layout of streams)', () => {
  const db = useTestDatabase();

  it('names layouts once each until their server-side cost reaches the budget, then runs new ones unnamed', () => {
    const appends = new AppendStatements('events', 'snapshots', 'command_keys', 'unique_values');
    const serializer = new EventSerializer();
    // The append of new accounts with these numbers of events (ids sorted as the batch sorts them).
    const insert = (layout: readonly number[]) =>
      appends.build(
        prepareAppend(
          layout.map((events, i) => {
            const a = BankAccount.open(`00000000-0000-4000-8000-00000000000${i}`, ada, 'EUR');
            for (let k = 1; k < events; k++) a.deposit(k);
            return a;
          }),
          {},
          serializer,
        ),
      ).sql;
    // Two streams of 1..40 and 1..7 events: 280 layouts of 2 to 47 rows.
    const layouts = Array.from({ length: 280 }, (_, i) => [1 + (i % 40), 1 + Math.floor(i / 40)]);
    const statements = layouts.map((layout) => insert(layout));
    let spent = 0;
    layouts.forEach((layout, i) => {
      const cost = layout[0] + layout[1] + 4;
      const fits = spent + cost <= NAMED_LAYOUT_BUDGET;
      if (fits) spent += cost;
      expect(statements[i].name !== undefined, `layout ${layout.join(',')}`).to.equal(fits);
    });
    expect(statements.filter((s) => s.name === undefined).length).to.be.greaterThan(0);
    expect(insert(layouts[0])).to.equal(statements[0]);
    // Layout [40, 7] (unnamed) of new streams, so no gap guard: 2 parameters per stream, 5 per
    // event.
    expect(statements[279].name).to.equal(undefined);
    expect(statements[279].text).to.contain('$239').and.not.contain('$240');
    expect(statements[279].text).not.to.contain('bool_and');
    // Two new streams of 2 events: 2 parameters per stream, 5 per event.
    expect(insert([2, 2]).text)
      .to.contain('$24')
      .and.not.contain('$25');
  });

  it('gives a layout it has written before the same text and parameters as writing it afresh', () => {
    const serializer = new EventSerializer();
    // A batch shape: per stream its committed events (0: a new stream) and its new ones, and
    // whether the save is keyed, claims, releases.
    // Small shapes mostly, so that layouts repeat within a run (that is what the cache is for),
    // with the odd large one past MAX_VALUES_ROWS.
    const shape = fc.record({
      streams: fc.array(
        fc.record({
          committed: fc.integer({ min: 0, max: 2 }),
          fresh: fc.oneof(
            { arbitrary: fc.integer({ min: 1, max: 2 }), weight: 4 },
            { arbitrary: fc.integer({ min: 1, max: 40 }), weight: 1 },
          ),
        }),
        { minLength: 1, maxLength: 4 },
      ),
      keyed: fc.boolean(),
      claims: fc.boolean(),
      releases: fc.boolean(),
      unchanged: fc.boolean(),
      // Keys the append requires (personal data sealed with cached keys): none, one or several.
      requiredKeys: fc.integer({ min: 0, max: 3 }),
    });
    const big = { committed: 0, fresh: 40 };
    fc.assert(
      fc.property(fc.array(shape, { minLength: 1, maxLength: 24 }), (shapes) => {
        const tables = [
          'events',
          'snapshots',
          'command_keys',
          'unique_values',
          'personal_data_keys',
        ] as const;
        const cached = new AppendStatements(...tables);
        for (const s of shapes) {
          const accounts = s.streams.map(({ committed, fresh }) => {
            const a = BankAccount.open(randomUUID(), ada, 'EUR');
            for (let k = 1; k < committed; k++) a.deposit(k);
            if (committed > 0) {
              markBatchCommitted(prepareAppend([a], {}, serializer));
              a.deposit(500);
              for (let k = 1; k < fresh; k++) a.deposit(k);
            } else for (let k = 1; k < fresh; k++) a.deposit(k);
            return a;
          });
          const id = accounts[0].id;
          const options = {
            ...(s.keyed ? { commandId: randomUUID() } : {}),
            ...(s.claims
              ? { claim: [{ scope: 'email', value: randomUUID(), aggregateId: id }] }
              : {}),
            ...(s.releases ? { release: [{ scope: 'email', value: 'x', aggregateId: id }] } : {}),
            ...(s.unchanged ? { unchanged: [{ aggregateId: randomUUID(), version: 3 }] } : {}),
          };
          const batch = {
            ...prepareAppend(accounts, options, serializer),
            requiredKeys: Array.from({ length: s.requiredKeys }, () => randomUUID()),
          };
          const fresh = new AppendStatements(...tables);
          const expected = fresh.build(batch);
          const actual = cached.build(batch);
          expect(actual.sql.text).to.equal(expected.sql.text);
          expect(actual.sql.name).to.equal(expected.sql.name);
          expect(actual.params).to.deep.equal(expected.params);
        }
      }),
      {
        numRuns: 150,
        // Keyed array-form appends of two and three streams: the one thing the layout's rows do
        // not already tell apart.
        examples: [
          [
            [
              {
                streams: [big, big],
                keyed: true,
                claims: false,
                releases: false,
                unchanged: false,
                requiredKeys: 0,
              },
              {
                streams: [big, big, { committed: 0, fresh: 1 }],
                keyed: true,
                claims: false,
                releases: false,
                requiredKeys: 1,
              },
            ],
          ],
          // Keyed array-form appends of new streams, then of a stream with events: only the
          // latter checks the keys the index does not see.
          [
            [
              {
                streams: [big, big],
                keyed: true,
                claims: false,
                releases: false,
                unchanged: false,
              },
              {
                streams: [big, { committed: 1, fresh: 40 }],
                keyed: true,
                claims: false,
                releases: false,
                unchanged: false,
              },
            ],
          ],
        ],
      },
    );
  });

  it('writes each stream of a saveAll with its own id, type and versions, whatever the layout', async () => {
    const repository = new EventRepository(db.dataSource);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 6 }),
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 6, maxLength: 6 }),
        async (lengths, more) => {
          const accounts = lengths.map(account);
          await repository.saveAll(accounts);
          // A second save of each: streams that already exist, so the gap guard is exercised.
          accounts.forEach((a, i) => {
            for (let k = 0; k < more[i]; k++) a.deposit(100 + k);
          });
          await repository.saveAll(accounts);
          for (const [i, a] of accounts.entries()) {
            const rows = await db.dataSource.query<Row[]>(
              'SELECT aggregate_id, aggregate_type, event_type, version, payload FROM events ' +
                'WHERE aggregate_id = $1 ORDER BY version',
              [a.id],
            );
            const total = lengths[i] + more[i];
            expect(rows.map((r) => r.version)).to.deep.equal(
              Array.from({ length: total }, (_, v) => v + 1),
            );
            expect(new Set(rows.map((r) => r.aggregate_type))).to.deep.equal(
              new Set(['BankAccount']),
            );
            expect(rows[0].event_type).to.equal('BankAccount.AccountOpened');
            const amounts = rows.slice(1).map((r) => r.payload.amount);
            expect(amounts).to.deep.equal([
              ...Array.from({ length: lengths[i] - 1 }, (_, k) => k + 1),
              ...Array.from({ length: more[i] }, (_, k) => 100 + k),
            ]);
            const loaded = await repository.load(BankAccount, a.id);
            expect(loaded.balance).to.equal(a.balance);
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it('still refuses a stale stream in a multi-stream layout, writing nothing', async () => {
    const repository = new EventRepository(db.dataSource);
    const [a, b] = [account(2), account(3)];
    await repository.saveAll([a, b]);
    const stale = await repository.load(BankAccount, b.id);
    b.deposit(5);
    await repository.save(b);
    a.deposit(7);
    stale.deposit(9);
    stale.deposit(9);
    const error = await repository.saveAll([a, stale]).then(
      () => expect.fail('a stale saveAll succeeded'),
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(ConcurrencyError);
    const [{ count }] = await db.dataSource.query<Array<{ count: number }>>(
      'SELECT count(*)::int AS count FROM events WHERE aggregate_id = ANY($1::uuid[])',
      [[a.id, b.id]],
    );
    expect(count).to.equal(2 + 3 + 1);
  });
  it('runs a prepared append on the generic plan PostgreSQL keeps after five executions', async () => {
    // One connection, so every save goes through the same prepared statements.
    const dataSource = createTesseraDataSource({ url: db.url, poolSize: 1 });
    await dataSource.initialize();
    try {
      const repository = new EventRepository(dataSource);
      for (let i = 0; i < 8; i++) {
        // New aggregates (expected version 0) and an existing one, in one layout: three streams
        // of two events each, whatever order their ids sort in.
        const existing = account(2);
        await repository.save(existing);
        existing.deposit(5);
        existing.deposit(6);
        await repository.saveAll([account(2), existing, account(2)]);
      }
      const plans = await dataSource.query<Array<{ generic_plans: string; custom_plans: string }>>(
        "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE name LIKE 'tessera_%' " +
          "AND statement LIKE 'INSERT%' ORDER BY generic_plans DESC",
      );
      expect(plans.map((p) => [Number(p.generic_plans), Number(p.custom_plans)])).to.deep.equal([
        [3, 5],
        [3, 5],
      ]);
    } finally {
      await dataSource.destroy();
    }
  });
});
