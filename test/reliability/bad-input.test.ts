import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { BankAccount, Owner } from '../../examples/bank-account';
import {
  AggregateRoot,
  Apply,
  ConcurrentSaveError,
  CorruptedStreamError,
  EventRepository,
  EventSerializer,
  InvalidAggregateIdError,
  InvalidEventError,
  InvalidMetadataError,
  RegistrationError,
  TesseraError,
  UnregisteredEventError,
  UnserializableEventError,
  type EventMetadataOptions,
} from '../../src';
import { useTestDatabase } from '../support/database';
import { forgeEvents } from '../support/forge-events';
import { BAD_METADATA, NON_UUIDS, UNSERIALIZABLE } from './support/hostile-inputs';
import { Probe, ProbeRecorded } from './support/probe';
import { reportFigure } from './support/report-figure';
import {
  inMemoryBackend,
  postgresBackend,
  type RepositoryUnderTest,
} from './support/repository-backends';

const owner = new Owner('Barbara Liskov', 'barbara@example.com');
type ErrorClass = abstract new (...args: never[]) => TesseraError;

let inputsTried = 0;
let writtenByRejected = 0;

/**
 * Runs `act` (which may throw synchronously or reject), expects a TesseraError of `type` with
 * `code`, and checks that the store holds exactly as many events as before. Returns the error.
 */
async function expectRejected<E extends TesseraError>(
  store: RepositoryUnderTest,
  act: () => unknown,
  type: ErrorClass & (abstract new (...args: never[]) => E),
  code: string,
): Promise<E> {
  inputsTried += 1;
  const before = await store.totalEvents();
  let error: unknown;
  try {
    await act();
  } catch (e) {
    error = e;
  }
  const after = await store.totalEvents();
  if (after !== before) writtenByRejected += after - before;
  expect(error, 'expected a rejection').to.be.instanceOf(type);
  expect((error as E).code).to.equal(code);
  expect(after, 'events in the store').to.equal(before);
  return error as E;
}

/** An event class nobody registered with @DomainEvent. */
class StrayEvent {
  constructor(readonly note: string) {}
}

/** An aggregate class without @Aggregate: it has no stable type name to store. */
class UnnamedAggregate extends AggregateRoot {
  record(value: unknown): void {
    this.raise(new ProbeRecorded(value));
  }
  @Apply(ProbeRecorded) protected onRecorded(): void {}
}

describe('bad input: a named error and nothing written', () => {
  const db = useTestDatabase();

  after(() => {
    reportFigure(
      'bad input',
      `${inputsTried} hostile inputs tried on 2 repositories, every one rejected with a named ` +
        `TesseraError, events written by rejected inputs: ${writtenByRejected}`,
    );
  });

  for (const backend of [inMemoryBackend, postgresBackend(() => db.dataSource)]) {
    describe(backend.name, () => {
      let store: RepositoryUnderTest;
      beforeEach(() => {
        store = backend.create();
      });

      async function savedProbe(): Promise<Probe> {
        const probe = new Probe().record('first');
        await store.repository.save(probe);
        return probe;
      }

      it('rejects payloads that fail validation when they are raised (InvalidEventError), recording nothing', async () => {
        const account = BankAccount.open(randomUUID(), owner, 'EUR');
        await store.repository.save(account);
        for (const amount of [0, -1, 1.5, NaN, Infinity, '10', null]) {
          const error = await expectRejected(
            store,
            () => account.deposit(amount as number),
            InvalidEventError,
            'TESSERA_INVALID_EVENT',
          );
          expect(error.eventType).to.equal('BankAccount.MoneyDeposited');
          expect(error.violations.map((v) => v.property)).to.deep.equal(['amount']);
          expect(account.getUncommittedEvents()).to.have.length(0);
        }
        await store.repository.save(account);
        expect(await store.repository.readStream(account.id)).to.have.length(1);
      });

      // The payload's JSON is taken when the event is raised, right after validation: an object
      // changed afterwards cannot smuggle an invalid payload into the store.
      it('stores an event as it was validated and raised, even if the object is changed afterwards', async () => {
        const account = BankAccount.open(randomUUID(), owner, 'EUR');
        account.deposit(5);
        (account.getUncommittedEvents()[1] as { amount: number }).amount = -5;
        await store.repository.save(account);
        const stream = await store.repository.readStream(account.id);
        expect(stream[1].payload).to.deep.equal({ amount: 5 });
        expect((await store.repository.load(BankAccount, account.id)).balance).to.equal(5);
      });

      for (const { what, value, path } of UNSERIALIZABLE) {
        it(`rejects ${what} in a payload when it is raised (UnserializableEventError at "${path}"), recording nothing`, async () => {
          const probe = await savedProbe();
          const error = await expectRejected(
            store,
            () => probe.record(value()),
            UnserializableEventError,
            'TESSERA_UNSERIALIZABLE_EVENT',
          );
          expect(error.eventType).to.equal('TesseraReliability.ProbeRecorded');
          expect(error.path).to.equal(path);
          expect(probe.getUncommittedEvents()).to.have.length(0);
          expect(probe.version).to.equal(1);
          expect(await store.repository.readStream(probe.id)).to.have.length(1);
        });
      }

      it('rejects a whole saveAll when one of its aggregates holds a payload over the size limit', async () => {
        const limited = backend.create(new EventSerializer({ maxPayloadBytes: 64 }));
        const good = new Probe().record('fine');
        const bad = new Probe().record('x'.repeat(100));
        await expectRejected(
          limited,
          () => limited.repository.saveAll([good, bad]),
          UnserializableEventError,
          'TESSERA_UNSERIALIZABLE_EVENT',
        );
        expect(await limited.repository.tryLoad(Probe, good.id)).to.equal(null);
        expect(good.getUncommittedEvents()).to.have.length(1);
      });

      it('enforces a configured payload size limit in UTF-8 bytes, accepting exactly the limit', async () => {
        // {"value":"…"} is 12 bytes around the text.
        const limited = backend.create(new EventSerializer({ maxPayloadBytes: 64 }));
        const fits = new Probe().record('é'.repeat(26));
        await limited.repository.save(fits);
        expect(fits.version).to.equal(1);
        const tooBig = new Probe().record('é'.repeat(26) + 'x');
        const error = await expectRejected(
          limited,
          () => limited.repository.save(tooBig),
          UnserializableEventError,
          'TESSERA_UNSERIALIZABLE_EVENT',
        );
        expect(error.reason).to.equal('payload is 65 bytes, over the limit of 64');
        expect(await limited.repository.tryLoad(Probe, tooBig.id)).to.equal(null);
      });

      it('rejects every non-UUID id in load, find, readStream and update (InvalidAggregateIdError)', async () => {
        const repository = store.repository;
        for (const id of NON_UUIDS) {
          const asId = id as string;
          const attempts = [
            () => repository.load(Probe, asId),
            () => repository.tryLoad(Probe, asId),
            () => repository.readStream(asId),
            () => repository.update(Probe, asId, (p) => void p.record(1)),
          ];
          for (const attempt of attempts) {
            const error = await expectRejected(
              store,
              attempt,
              InvalidAggregateIdError,
              'TESSERA_INVALID_AGGREGATE_ID',
            );
            expect(error.aggregateId).to.equal(id);
          }
          if (id !== undefined) {
            await expectRejected(
              store,
              () => new Probe(asId),
              InvalidAggregateIdError,
              'TESSERA_INVALID_AGGREGATE_ID',
            );
          }
        }
      });

      it('rejects an instance already being saved (ConcurrentSaveError), writing nothing of the second save', async () => {
        const busy = new Probe().record(1);
        const bystander = new Probe().record(2);
        const before = await store.totalEvents();
        inputsTried += 1;
        const [first, second] = await Promise.allSettled([
          store.repository.save(busy),
          store.repository.saveAll([bystander, busy]),
        ]);
        expect(first.status).to.equal('fulfilled');
        expect(second.status).to.equal('rejected');
        const error = (second as PromiseRejectedResult).reason as ConcurrentSaveError;
        expect(error).to.be.instanceOf(ConcurrentSaveError);
        expect(error.code).to.equal('TESSERA_CONCURRENT_SAVE');
        expect(error.aggregateId).to.equal(busy.id);
        expect(await store.totalEvents()).to.equal(before + 1);
        expect(await store.repository.tryLoad(Probe, bystander.id)).to.equal(null);
        expect(bystander.getUncommittedEvents()).to.have.length(1);
      });

      it('rejects an event of an unregistered class when it is raised (UnregisteredEventError)', async () => {
        const probe = await savedProbe();
        const raise = (probe as unknown as { raise(event: object): void }).raise.bind(probe);
        const error = await expectRejected(
          store,
          () => raise(new StrayEvent('who am I')),
          UnregisteredEventError,
          'TESSERA_UNREGISTERED_EVENT',
        );
        expect(error.className).to.equal('StrayEvent');
        expect(probe.getUncommittedEvents()).to.have.length(0);
      });

      it('rejects saving an aggregate class without @Aggregate (RegistrationError)', async () => {
        const unnamed = new UnnamedAggregate();
        unnamed.record('x');
        await expectRejected(
          store,
          () => store.repository.save(unnamed),
          RegistrationError,
          'TESSERA_REGISTRATION',
        );
        expect(unnamed.getUncommittedEvents()).to.have.length(1);
      });

      it('rejects malformed metadata of every kind (InvalidMetadataError), keeping the events uncommitted', async () => {
        const probe = await savedProbe();
        probe.record('pending');
        for (const metadata of BAD_METADATA) {
          await expectRejected(
            store,
            () => store.repository.save(probe, metadata as EventMetadataOptions),
            InvalidMetadataError,
            'TESSERA_INVALID_METADATA',
          );
          expect(probe.getUncommittedEvents(), JSON.stringify(metadata)).to.have.length(1);
        }
        expect(await store.repository.readStream(probe.id)).to.have.length(1);
      });

      // JSON.stringify escapes a lone surrogate as \udXXX, which PostgreSQL's jsonb refuses with a
      // raw 22P02 while the in-memory store accepts it: both must name the problem instead.
      it('rejects lone UTF-16 surrogates in payload values, payload keys and metadata', async () => {
        const cases: Array<[unknown, EventMetadataOptions, ErrorClass, string]> = [
          ['a\ud83e', {}, UnserializableEventError, 'TESSERA_UNSERIALIZABLE_EVENT'],
          [{ ['\udc00']: 1 }, {}, UnserializableEventError, 'TESSERA_UNSERIALIZABLE_EVENT'],
          ['ok', { correlationId: 'x\ud800' }, InvalidMetadataError, 'TESSERA_INVALID_METADATA'],
        ];
        for (const [value, metadata, type, code] of cases) {
          // Payload problems surface when the event is raised, metadata ones when it is saved.
          await expectRejected(
            store,
            () => store.repository.save(new Probe().record(value), metadata),
            type,
            code,
          );
        }
      });

      // Spreading a string or a number would pass as "no metadata": both repositories refuse it.
      it('rejects save options that are not an object (InvalidMetadataError)', async () => {
        const probe = await savedProbe();
        probe.record('pending');
        for (const options of ['just a string', 42, true]) {
          await expectRejected(
            store,
            () => store.repository.save(probe, options as EventMetadataOptions),
            InvalidMetadataError,
            'TESSERA_INVALID_METADATA',
          );
        }
      });
    });
  }

  describe('EventRepository (PostgreSQL): bad rows already in the table', () => {
    it('refuses to rehydrate a stored payload that is not a JSON object (InvalidEventError)', async () => {
      const store = postgresBackend(() => db.dataSource).create();
      for (const payload of ['null', '[]', '"text"', '42', 'true']) {
        const probe = new Probe().record('ok');
        await store.repository.save(probe);
        await forgeEvents(
          db.dataSource,
          'UPDATE events SET payload = $2::jsonb WHERE aggregate_id = $1',
          [probe.id, payload],
        );
        const error = await expectRejected(
          store,
          () => store.repository.load(Probe, probe.id),
          InvalidEventError,
          'TESSERA_INVALID_EVENT',
        );
        expect(error.location, payload).to.deep.equal({
          aggregateId: probe.id,
          aggregateType: 'TesseraReliability.Probe',
          version: 1,
        });
        expect(error.violations[0].constraints, payload).to.have.property('isObject');
      }
    });

    it('refuses update() on a stream with a version gap (CorruptedStreamError) instead of appending past it', async () => {
      const repository = new EventRepository(db.dataSource);
      const store = postgresBackend(() => db.dataSource).create();
      const probe = new Probe().record(1).record(2).record(3);
      await repository.save(probe);
      await forgeEvents(
        db.dataSource,
        'DELETE FROM events WHERE aggregate_id = $1 AND version = 2',
        [probe.id],
      );
      const error = await expectRejected(
        store,
        () => repository.update(Probe, probe.id, (p) => void p.record(4)),
        CorruptedStreamError,
        'TESSERA_CORRUPTED_STREAM',
      );
      expect(error).to.include({ expectedVersion: 2, foundVersion: 3 });
      expect((await repository.readStream(probe.id)).map((e) => e.version)).to.deep.equal([1, 3]);
    });
  });
});
