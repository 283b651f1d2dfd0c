import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { eventRegistry } from '../../src/domain/codec/event-registry';
import { BankAccount, Owner } from '../../examples/bank-account';
import {
  Aggregate,
  AggregateRoot,
  AggregateTypeMismatchError,
  Apply,
  ConcurrencyError,
  DomainEvent,
  EventRepository,
  InvalidMetadataError,
  RegistrationError,
  UnknownEventTypeError,
  type EventMetadataOptions,
} from '../../src';
import { CreateEventsTable1732500000000 } from '../../src/migrations/1732500000000-CreateEventsTable';
import { CreateSnapshots1732500001000 } from '../../src/migrations/1732500001000-CreateSnapshots';
import {
  APPEND_ONLY_VIOLATION,
  AppendOnlyEvents1732500002000,
} from '../../src/migrations/1732500002000-AppendOnlyEvents';
import { useTestDatabase } from '../support/database';
import { Probe } from './support/probe';
import { reportFigure } from './support/report-figure';
import { inMemoryBackend, postgresBackend } from './support/repository-backends';
import { sqlState } from './support/sql-state';

const tally = { roundTripped: 0, rejected: 0 };

// Strings that break naive SQL, JSON or terminal handling.
const HOSTILE_STRINGS: readonly string[] = [
  "'; DROP TABLE events; --",
  '"); DELETE FROM events; --',
  'O\'Reilly "quoted" `backticked`',
  '$1 $2 $$ $tag$ :name ? %s %d',
  'back\\slash \\u0000 \\n literal escapes',
  'line\nbreak\ttab\r\u2028\u2029',
  'Grüße, Ελληνικά, 日本語, עברית, العربية',
  '\u202Eright-to-left override',
  'emoji 🧱🔥 and a lone surrogate-free astral 𝕏',
  '{"looks": "like json"}',
  '',
];

// Header keys the metadata rules allow: unicode letters and digits, '_', '.', ':' and '-'.
const UNICODE_KEYS: readonly string[] = ['größe', '日本語', 'ключ', 'clé.sub:part-1_x', '٣٤'];
const REJECTED_KEYS: readonly string[] = ["k'", 'k"', 'k;', 'a b', 'k\u0000', '', 'k'.repeat(129)];

const HOSTILE_TYPE_NAMES: readonly string[] = [
  "Bad'Name",
  'Bad"Name',
  'Bad;DROP TABLE events',
  'Événement',
  'Has Space',
  'Nul\u0000',
  '',
  '1LeadingDigit',
  'x'.repeat(256),
];

const HOSTILE_IDENTIFIERS: readonly string[] = [
  'events"; DROP TABLE events; --',
  "events'",
  'events;',
  'évènements',
  'my events',
  '',
  '1events',
  'a'.repeat(64),
  'events\u0000',
  'public.events',
];

@DomainEvent('TesseraReliability.Odd:Name-v2_0.x')
class OddlyNamed {
  constructor(readonly text: string = '') {}
}

@Aggregate('TesseraReliability.Odd:Aggregate-v2_0.x')
class OddAggregate extends AggregateRoot {
  texts: string[] = [];
  say(text: string): this {
    this.raise(new OddlyNamed(text));
    return this;
  }
  @Apply(OddlyNamed) protected onSaid(event: OddlyNamed): void {
    this.texts.push(event.text);
  }
}

describe('injection: hostile names, keys and values are stored or refused, never executed', () => {
  const db = useTestDatabase();

  after(() => {
    reportFigure(
      'injection',
      `${tally.roundTripped + tally.rejected} hostile names, keys and values tried: ` +
        `${tally.roundTripped} stored and read back exactly, ${tally.rejected} refused by validation, ` +
        'statements executed from them: 0',
    );
  });

  describe('type names', () => {
    it('refuses event and aggregate type names with quotes, semicolons, spaces or non-ASCII (RegistrationError)', () => {
      for (const name of HOSTILE_TYPE_NAMES) {
        expect(() => DomainEvent(name)(class Hostile {}), JSON.stringify(name))
          .to.throw(RegistrationError)
          .with.property('code', 'TESSERA_REGISTRATION');
        expect(() => Aggregate(name)(class Hostile {}), JSON.stringify(name)).to.throw(
          RegistrationError,
        );
        expect(eventRegistry.findByName(name)).to.equal(undefined);
        tally.rejected += 2;
      }
    });

    for (const backend of [inMemoryBackend, postgresBackend(() => db.dataSource)]) {
      it(`round-trips names that use every allowed punctuation through ${backend.name}`, async () => {
        const { repository } = backend.create();
        const aggregate = new OddAggregate().say("it's; fine");
        await repository.save(aggregate);
        const [stored] = await repository.readStream(aggregate.id);
        expect(stored.eventType).to.equal('TesseraReliability.Odd:Name-v2_0.x');
        expect(stored.aggregateType).to.equal('TesseraReliability.Odd:Aggregate-v2_0.x');
        expect((await repository.load(OddAggregate, aggregate.id)).texts).to.deep.equal([
          "it's; fine",
        ]);
        tally.roundTripped += 2;
      });
    }

    it('reads hostile type names written into the table by someone else as data, and names them in the error', async () => {
      const repository = new EventRepository(db.dataSource);
      for (const name of HOSTILE_STRINGS.filter((s) => s !== '')) {
        const eventRow = randomUUID();
        await insertRow(eventRow, 'TesseraReliability.Probe', name);
        const error = await repository.load(Probe, eventRow).catch((e: unknown) => e);
        expect(error, JSON.stringify(name)).to.be.instanceOf(UnknownEventTypeError);
        expect((error as UnknownEventTypeError).eventType).to.equal(name);

        const typeRow = randomUUID();
        await insertRow(typeRow, name, 'TesseraReliability.ProbeRecorded');
        const mismatch = await repository.load(Probe, typeRow).catch((e: unknown) => e);
        expect(mismatch, JSON.stringify(name)).to.be.instanceOf(AggregateTypeMismatchError);
        expect((mismatch as AggregateTypeMismatchError).storedType).to.equal(name);
        tally.roundTripped += 2;
      }
    });

    async function insertRow(aggregateId: string, aggregateType: string, eventType: string) {
      await db.dataSource.query(
        `INSERT INTO events (aggregate_id, aggregate_type, event_type, version, payload, metadata)
         VALUES ($1, $2, $3, 1, '{}', $4)`,
        [
          aggregateId,
          aggregateType,
          eventType,
          JSON.stringify({ schemaVersion: 1, occurredAt: new Date().toISOString() }),
        ],
      );
    }
  });

  for (const backend of [inMemoryBackend, postgresBackend(() => db.dataSource)]) {
    describe(`metadata and payloads through ${backend.name}`, () => {
      it('stores hostile header values, correlation and causation ids under unicode keys exactly', async () => {
        const { repository } = backend.create();
        for (const [i, value] of HOSTILE_STRINGS.entries()) {
          const key = UNICODE_KEYS[i % UNICODE_KEYS.length];
          const metadata: EventMetadataOptions = {
            correlationId: value,
            causationId: Array.from(value).reverse().join(''),
            actor: value,
            headers: { [key]: value },
          };
          const probe = new Probe().record(value);
          await repository.save(probe, metadata);
          const [stored] = await repository.readStream(probe.id);
          expect(stored.metadata.correlationId).to.equal(metadata.correlationId);
          expect(stored.metadata.causationId).to.equal(metadata.causationId);
          expect(stored.metadata.headers).to.deep.equal({ [key]: value, actor: value });
          tally.roundTripped += 1;
        }
      });

      it('refuses header keys with quotes, semicolons, spaces or NUL (InvalidMetadataError), writing nothing', async () => {
        const { repository } = backend.create();
        for (const key of REJECTED_KEYS) {
          const probe = new Probe().record('x');
          const error = await repository
            .save(probe, { headers: { [key]: 'v' } })
            .catch((e: unknown) => e);
          expect(error, JSON.stringify(key)).to.be.instanceOf(InvalidMetadataError);
          expect(await repository.tryLoad(Probe, probe.id)).to.equal(null);
          tally.rejected += 1;
        }
      });

      it('round-trips hostile strings as payload keys and values', async () => {
        const { repository } = backend.create();
        const payload = Object.fromEntries(
          HOSTILE_STRINGS.map((s, i) => [s === '' ? 'empty' : s, HOSTILE_STRINGS.at(-1 - i)]),
        );
        const probe = new Probe().record(payload);
        await repository.save(probe);
        const loaded = await repository.load(Probe, probe.id);
        expect(loaded.values).to.deep.equal([payload]);
        tally.roundTripped += HOSTILE_STRINGS.length;
      });
    });
  }

  describe('schema and table names from configuration', () => {
    it('refuses anything but a plain identifier for schema, table and snapshot table (TypeError)', () => {
      for (const name of HOSTILE_IDENTIFIERS) {
        for (const option of ['schema', 'table', 'snapshotTable'] as const) {
          expect(
            () => new EventRepository(db.dataSource, { [option]: name }),
            `${option} ${JSON.stringify(name)}`,
          ).to.throw(TypeError, /is not a valid identifier/);
          tally.rejected += 1;
        }
      }
    });

    it('works against mixed-case schema and table names with $ and $$ (a replacement pattern in String.replace), quoting them everywhere', async () => {
      const schema = 'Tenant$$A';
      const table = 'Events$$2026';
      await createTablesIn(schema, table, 'Snapshots$$2026');
      const repository = new EventRepository(db.dataSource, {
        schema,
        table,
        snapshotTable: 'Snapshots$$2026',
      });
      const [{ count: defaultBefore }] = await db.dataSource.query(
        'SELECT count(*)::int AS count FROM events',
      );

      const account = BankAccount.open(randomUUID(), new Owner('Tenant A', 'a@example.com'), 'EUR');
      await repository.save(account);
      const a = await repository.load(BankAccount, account.id);
      const b = await repository.load(BankAccount, account.id);
      a.deposit(1);
      b.deposit(2);
      await repository.save(a);
      expect(await repository.save(b).catch((e: unknown) => e)).to.be.instanceOf(ConcurrencyError);

      const [{ count: tenantRows }] = await db.dataSource.query(
        `SELECT count(*)::int AS count FROM "${schema}"."${table}" WHERE aggregate_id = $1`,
        [account.id],
      );
      expect(tenantRows).to.equal(2);
      const [{ count: defaultAfter }] = await db.dataSource.query(
        'SELECT count(*)::int AS count FROM events',
      );
      expect(defaultAfter).to.equal(defaultBefore);
      const refused = await db.dataSource
        .query(`DELETE FROM "${schema}"."${table}"`)
        .catch((e: unknown) => e);
      expect(sqlState(refused)).to.equal(APPEND_ONLY_VIOLATION);
      tally.roundTripped += 1;
    });

    /** Runs Tessera's own migrations with the schema as search_path, then renames the tables. */
    async function createTablesIn(schema: string, table: string, snapshots: string) {
      const runner = db.dataSource.createQueryRunner();
      try {
        await runner.startTransaction();
        await runner.query(`CREATE SCHEMA "${schema}"`);
        await runner.query(`SELECT set_config('search_path', $1, true)`, [`"${schema}"`]);
        await new CreateEventsTable1732500000000().up(runner);
        await new CreateSnapshots1732500001000().up(runner);
        await new AppendOnlyEvents1732500002000().up(runner);
        await runner.query(`ALTER TABLE "${schema}".events RENAME TO "${table}"`);
        await runner.query(`ALTER TABLE "${schema}".snapshots RENAME TO "${snapshots}"`);
        await runner.commitTransaction();
      } finally {
        if (runner.isTransactionActive) await runner.rollbackTransaction();
        await runner.release();
      }
    }
  });

  it('still has its events table after all of the above', async () => {
    const [{ present }] = await db.dataSource.query(
      "SELECT to_regclass('events') IS NOT NULL AS present",
    );
    expect(present).to.equal(true);
  });
});
