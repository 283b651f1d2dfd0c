import { expect } from 'chai';
import { IsInt } from 'class-validator';
import {
  Aggregate,
  AggregateRoot,
  Apply,
  ConcurrencyError,
  DomainEvent,
  EventSerializer,
  UnserializableEventError,
} from '../../src/domain';
import { aggregateRepositoryContract, InMemoryEventRepository } from '../../src/testing';

aggregateRepositoryContract('InMemoryEventRepository', () => new InMemoryEventRepository(), {
  describe,
  it,
});

@DomainEvent('Test.InMemory.Noted')
class Noted {
  @IsInt() readonly n: number;
  constructor(n: number) {
    this.n = n;
  }
}

@Aggregate('Test.InMemory.Notebook')
class Notebook extends AggregateRoot {
  notes: number[] = [];
  note(n: number): void {
    this.raise(new Noted(n));
  }
  @Apply(Noted) protected onNoted(e: Noted): void {
    this.notes.push(e.n);
  }
}

const A = '00000000-0000-4000-8000-0000000000a1';
const B = '00000000-0000-4000-8000-0000000000b2';

describe('InMemoryEventRepository (in-memory specifics)', () => {
  it('allEvents() lists every stored event of every aggregate, in append order per aggregate', async () => {
    const repository = new InMemoryEventRepository();
    expect(repository.allEvents()).to.deep.equal([]);
    const a = new Notebook(A);
    const b = new Notebook(B);
    a.note(1);
    b.note(10);
    a.note(2);
    await repository.saveAll([a, b], { actor: 'tester' });
    b.note(11);
    await repository.save(b);
    const events = repository.allEvents();
    const summary = events.map((e) => [e.aggregateId, e.version, e.payload]);
    expect(summary).to.have.deep.members([
      [A, 1, { n: 1 }],
      [A, 2, { n: 2 }],
      [B, 1, { n: 10 }],
      [B, 2, { n: 11 }],
    ]);
    expect(events.filter((e) => e.aggregateId === B).map((e) => e.version)).to.deep.equal([1, 2]);
    for (const e of events) {
      expect(e.aggregateType).to.equal('Test.InMemory.Notebook');
      expect(e.eventType).to.equal('Test.InMemory.Noted');
      expect(e.createdAt).to.be.instanceOf(Date);
    }
    expect(events.find((e) => e.aggregateId === A)?.metadata.headers).to.deep.equal({
      actor: 'tester',
    });
    expect(events.find((e) => e.aggregateId === B && e.version === 2)?.metadata.headers).to.equal(
      undefined,
    );
  });

  it('hands out fresh copies of payloads, so callers cannot change what is stored', async () => {
    const repository = new InMemoryEventRepository();
    const a = new Notebook(A);
    a.note(1);
    await repository.save(a);
    (repository.allEvents()[0].payload as { n: number }).n = 99;
    ((await repository.readStream(A))[0].payload as { n: number }).n = 98;
    expect((await repository.load(Notebook, A)).notes).to.deep.equal([1]);
  });

  it('keeps separate instances separate', async () => {
    const one = new InMemoryEventRepository();
    const two = new InMemoryEventRepository();
    const a = new Notebook(A);
    a.note(1);
    await one.save(a);
    expect(await two.tryLoad(Notebook, A)).to.equal(null);
    expect(two.allEvents()).to.deep.equal([]);
  });

  it('finds an aggregate by its id in upper case', async () => {
    const repository = new InMemoryEventRepository();
    const a = new Notebook(A);
    a.note(3);
    await repository.save(a);
    const loaded = await repository.load(Notebook, A.toUpperCase());
    expect(loaded.notes).to.deep.equal([3]);
    expect(loaded.id).to.equal(A);
  });

  it('uses the serializer given in the options and writes nothing when it rejects an event', async () => {
    const repository = new InMemoryEventRepository({
      serializer: new EventSerializer({ maxPayloadBytes: 12 }),
    });
    const a = new Notebook(A);
    a.note(1); // {"n":1}: 7 bytes
    a.note(123456789); // {"n":123456789}: 15 bytes
    let caught: unknown;
    try {
      await repository.save(a);
    } catch (error) {
      caught = error;
    }
    expect(caught).to.be.instanceOf(UnserializableEventError);
    expect(repository.allEvents()).to.deep.equal([]);
    expect(a.getUncommittedEvents()).to.have.length(2);
    expect(a.version).to.equal(0);
  });

  it('refuses to append to a stream shorter than the aggregate version (would create a gap)', async () => {
    // save() only checks `actual > expectedVersion`. An aggregate at version 2 saved into a store
    // whose stream has 0 events is appended at version 3, leaving a stream the same repository
    // then refuses to load (CorruptedStreamError). Expected: ConcurrencyError, nothing written.
    const first = new InMemoryEventRepository();
    const second = new InMemoryEventRepository();
    const a = new Notebook(A);
    a.note(1);
    a.note(2);
    await first.save(a);
    a.note(3);
    let caught: unknown;
    try {
      await second.save(a);
    } catch (error) {
      caught = error;
    }
    expect(caught).to.be.instanceOf(ConcurrencyError);
    expect(second.allEvents()).to.deep.equal([]);
  });
});
