import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import {
  AggregateNotFoundError,
  EventDecodingError,
  EventFromNewerCodeError,
  EventRepository,
  EventSerializer,
  UpcastFailedError,
  UpcasterChainError,
  UpcasterRegistry,
  type AggregateRepository,
} from '../../src';
import { InMemoryEventRepository } from '../../src/testing';
import { useTestDatabase } from '../support/database';
import { insertRawEvents } from '../support/insert-raw-events';
import {
  Deposited,
  DEPOSITED,
  FeeCharged,
  OLD_HISTORY,
  SnapAccount,
  UpcastAccount,
  Withdrawn,
  type RawEvent,
} from '../support/upcast-account';

const ACCOUNT = 'Test.Upcast.Account';

interface Store {
  readonly repository: AggregateRepository;
  readonly insert: (
    id: string,
    events: readonly (RawEvent & { createdAt?: Date })[],
  ) => Promise<void>;
}

/** The same behaviour, on PostgreSQL (rows by raw SQL) and in memory (rows inserted as stored). */
function upcastingBehaviour(name: string, store: () => Store): void {
  describe(`${name}: history written by older code`, () => {
    it("loads version 1 and 2 rows, a renamed and a split event as today's classes", async () => {
      const { repository, insert } = store();
      const id = randomUUID();
      await insert(id, OLD_HISTORY);
      const account = await repository.load(UpcastAccount, id);
      expect(account.version).to.equal(4);
      expect(account.deposits).to.deep.equal(['1000 EUR', '500 EUR', '700 USD']);
      expect(account.cents).to.equal(1000 + 500 + 700 - 300 - 100);
      expect(account.fees).to.equal(100);
      // The split stored event counts as one version: the next save continues at 5.
      account.deposit(1);
      await repository.save(account);
      const stream = await repository.readStream(id);
      expect(stream.map((e) => e.version)).to.deep.equal([1, 2, 3, 4, 5]);
      expect(stream[4].metadata.schemaVersion).to.equal(3);
      expect((await repository.load(UpcastAccount, id)).cents).to.equal(1801);
    });

    it('hands the handlers instances of the current classes', async () => {
      const { repository, insert } = store();
      const id = randomUUID();
      await insert(id, OLD_HISTORY);
      const { applied: seen } = await repository.load(UpcastAccount, id);
      expect(seen.map((e) => e.constructor)).to.deep.equal([
        Deposited,
        Deposited,
        Deposited,
        Withdrawn,
        FeeCharged,
      ]);
      expect(seen[0]).to.deep.equal(new Deposited(1000, 'EUR'));
    });

    it('refuses an event written by newer code with EventFromNewerCodeError', async () => {
      const { repository, insert } = store();
      const id = randomUUID();
      await insert(id, [{ eventType: DEPOSITED, payload: { cents: 1 }, schemaVersion: 4 }]);
      const error = await repository.load(UpcastAccount, id).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).to.be.instanceOf(EventFromNewerCodeError);
      expect(error).to.include({ eventType: DEPOSITED, storedVersion: 4, knownVersion: 3 });
      expect((error as EventFromNewerCodeError).location).to.deep.equal({
        aggregateId: id,
        aggregateType: ACCOUNT,
        version: 1,
      });
    });

    it('names a failing upcaster and the stored event it failed on', async () => {
      const { repository, insert } = store();
      const id = randomUUID();
      await insert(id, [{ eventType: DEPOSITED, payload: { sum: 1 }, schemaVersion: 1 }]);
      const error = await repository.load(UpcastAccount, id).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).to.be.instanceOf(UpcastFailedError);
      expect(error).to.include({ eventType: DEPOSITED, fromVersion: 1 });
      expect((error as UpcastFailedError).location?.version).to.equal(1);
    });

    it('names a malformed stored schema version instead of guessing one', async () => {
      const { repository, insert } = store();
      const id = randomUUID();
      const schemaVersion = 'three' as unknown as number;
      await insert(id, [{ eventType: DEPOSITED, payload: { cents: 1 }, schemaVersion }]);
      const error = await repository.load(UpcastAccount, id).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(EventDecodingError);
      expect((error as EventDecodingError).reason).to.include('schemaVersion must be a positive');
    });

    it('loads the state as of a version, and as of an instant', async () => {
      const { repository, insert } = store();
      const id = randomUUID();
      const times = [2020, 2021, 2022, 2023].map((year) => new Date(`${year}-01-01T00:00:00Z`));
      await insert(
        id,
        OLD_HISTORY.map((event, i) => ({ ...event, createdAt: times[i] })),
      );
      const second = await repository.load(UpcastAccount, id, { asOfVersion: 2 });
      expect(second.version).to.equal(2);
      expect(second.deposits).to.deep.equal(['1000 EUR', '500 EUR']);
      const mid2021 = await repository.load(UpcastAccount, id, {
        asOf: new Date('2021-06-01T00:00:00Z'),
      });
      expect(mid2021.version).to.equal(2);
      const atThird = await repository.load(UpcastAccount, id, { asOf: times[2] });
      expect(atThird.version).to.equal(3);
      const both = await repository.load(UpcastAccount, id, { asOf: times[2], asOfVersion: 1 });
      expect(both.version).to.equal(1);
      expect((await repository.load(UpcastAccount, id, { asOfVersion: 99 })).version).to.equal(4);
      expect(
        await repository.tryLoad(UpcastAccount, id, { asOf: new Date('2019-01-01T00:00:00Z') }),
      ).to.equal(null);
      const missing = await repository
        .load(UpcastAccount, id, { asOf: new Date('2019-01-01T00:00:00Z') })
        .catch((e: unknown) => e);
      expect(missing).to.be.instanceOf(AggregateNotFoundError);
    });

    it('never starts a time travel from a snapshot taken later', async () => {
      const { repository } = store();
      const account = new SnapAccount(randomUUID());
      for (const cents of [1, 2, 4, 8, 16]) {
        account.deposit(cents);
        await repository.save(account);
      }
      expect((await repository.load(SnapAccount, account.id)).cents).to.equal(31);
      const third = await repository.load(SnapAccount, account.id, { asOfVersion: 3 });
      expect([third.version, third.cents]).to.deep.equal([3, 7]);
      const first = await repository.load(SnapAccount, account.id, { asOfVersion: 1 });
      expect([first.version, first.cents]).to.deep.equal([1, 1]);
    });

    it('refuses a point in time that is not one', async () => {
      const { repository } = store();
      for (const bad of [{ asOfVersion: 0 }, { asOfVersion: 1.5 }, { asOf: new Date('x') }]) {
        const error = await repository
          .load(UpcastAccount, randomUUID(), bad)
          .catch((e: unknown) => e);
        expect(error).to.be.instanceOf(TypeError);
      }
    });
  });
}

describe('Upcasting in both repositories', () => {
  const db = useTestDatabase();
  upcastingBehaviour('EventRepository', () => ({
    repository: new EventRepository(db.dataSource, { pageSize: 2 }),
    insert: (id, events) => insertRawEvents(db.dataSource, id, ACCOUNT, events),
  }));
  upcastingBehaviour('InMemoryEventRepository', () => {
    const repository = new InMemoryEventRepository();
    return {
      repository,
      insert: (id, events) => {
        repository.insertStoredEvents(id, ACCOUNT, events);
        return Promise.resolve();
      },
    };
  });

  it('refuses a broken chain when a repository is constructed, before any stream is read', () => {
    const broken = new UpcasterRegistry();
    broken.register({ type: DEPOSITED, fromVersion: 1, upcast: (p) => p });
    const serializer = new EventSerializer({ upcasters: broken });
    expect(() => new EventRepository(db.dataSource, { serializer })).to.throw(UpcasterChainError);
    expect(() => new InMemoryEventRepository({ serializer })).to.throw(UpcasterChainError);
  });
});
