import { expect } from 'chai';
import { IsInt, IsString, Min } from 'class-validator';
import { randomUUID } from 'node:crypto';
import {
  Aggregate,
  AggregateRoot,
  Apply,
  AggregateTypeMismatchError,
  ConcurrencyError,
  DomainEvent,
  EventRepository,
} from '../../src';
import { useTestDatabase } from '../support/database';
import { recordStatements } from '../support/record-statements';

@DomainEvent('Test.Snap.Added')
class Added {
  @IsInt() @Min(1) readonly amount: number;
  constructor(amount: number) {
    this.amount = amount;
  }
}

@Aggregate('Test.Snap.Tally', { snapshotEvery: 3 })
class Tally extends AggregateRoot {
  total = 0;
  applied = 0;
  add(amount: number): void {
    this.raise(new Added(amount));
  }
  @Apply(Added)
  protected onAdded(event: Added): void {
    this.total += event.amount;
    this.applied += 1;
  }
}

@DomainEvent('Test.Snap.Tagged')
class Tagged {
  @IsString() readonly tag: string;
  constructor(tag: string) {
    this.tag = tag;
  }
}

/** Restores its snapshot by reference and mutates that array in place: legal, if careless. */
@Aggregate('Test.Snap.Tagger', { snapshotEvery: 2 })
class Tagger extends AggregateRoot {
  tags: string[] = [];
  tag(tag: string): void {
    this.raise(new Tagged(tag));
  }
  @Apply(Tagged)
  protected onTagged(event: Tagged): void {
    this.tags.push(event.tag);
  }
  override restoreSnapshot(state: object, version: number): void {
    super.restoreSnapshot({}, version);
    this.tags = (state as { tags: string[] }).tags;
  }
}

interface SnapshotRow {
  version: number;
  schema_version: number;
  state: { total: number; applied: number };
}

describe('EventRepository snapshots', () => {
  const db = useTestDatabase();
  const snapshotOf = async (id: string): Promise<SnapshotRow | undefined> =>
    (
      await db.dataSource.query<SnapshotRow[]>(
        'SELECT version, schema_version, state FROM snapshots WHERE aggregate_id = $1',
        [id],
      )
    )[0];

  async function tallyWith(repository: EventRepository, saves: number[][]): Promise<Tally> {
    const tally = new Tally(randomUUID());
    for (const amounts of saves) {
      for (const amount of amounts) tally.add(amount);
      await repository.save(tally);
    }
    return tally;
  }

  it('writes a snapshot when a save reaches the interval, with the state after that save', async () => {
    const repository = new EventRepository(db.dataSource);
    const tally = await tallyWith(repository, [[1, 2], [3, 4], [5]]);
    expect(await snapshotOf(tally.id)).to.deep.include({ version: 4, schema_version: 1 });
    expect((await snapshotOf(tally.id))?.state).to.deep.equal({ total: 10, applied: 4 });
    await tallyWith(repository, []);
    tally.add(6);
    await repository.save(tally); // version 6: the next multiple of 3
    expect(await snapshotOf(tally.id)).to.deep.include({ version: 6 });
  });

  it('loads from the snapshot plus the events after it', async () => {
    const repository = new EventRepository(db.dataSource);
    const tally = await tallyWith(repository, [[1, 1, 1], [1]]);
    // A doctored snapshot proves it is read: the replay alone would give total 4.
    await db.dataSource.query(
      `UPDATE snapshots SET state = '{"total": 100, "applied": 3}' WHERE aggregate_id = $1`,
      [tally.id],
    );
    const loaded = await repository.load(Tally, tally.id);
    expect(loaded.version).to.equal(4);
    expect(loaded.total).to.equal(101);
    expect(loaded.applied).to.equal(4);
  });

  it("update() with a manager reads snapshot and pages through the caller's transaction", async () => {
    const repository = new EventRepository(db.dataSource, { pageSize: 1 });
    const tally = await tallyWith(repository, [[1, 1, 1], [1, 1, 1], [1], [1]]);
    // Snapshot at 6 doctored as above, then events 7 and 8 in pages of one: the head statement
    // and a page, both through TypeORM's EntityManager (rows as objects, read by column name).
    await db.dataSource.query(
      `UPDATE snapshots SET state = '{"total": 100, "applied": 6}' WHERE aggregate_id = $1`,
      [tally.id],
    );
    const pooled = await repository.load(Tally, tally.id);
    const updated = await db.dataSource.transaction((manager) =>
      repository.update(Tally, tally.id, (t) => t.add(5), { manager }),
    );
    expect({ version: pooled.version, total: pooled.total }).to.deep.equal({
      version: 8,
      total: 102,
    });
    expect({
      version: updated.version,
      total: updated.total,
      applied: updated.applied,
    }).to.deep.equal({ version: 9, total: 107, applied: 9 });
  });

  it('reads the snapshot and the events after it in one statement', async () => {
    const repository = new EventRepository(db.dataSource, { pageSize: 2 });
    const tally = await tallyWith(repository, [
      [1, 1, 1],
      [1, 1],
    ]);
    const recording = recordStatements(db.dataSource);
    try {
      const loaded = await repository.load(Tally, tally.id);
      expect(loaded.version).to.equal(5);
      expect(loaded.total).to.equal(5);
    } finally {
      recording.restore();
    }
    // Snapshot at 3, events 4 and 5: one page of two, and the row beyond it is not there.
    expect(recording.statements).to.have.length(1);
  });

  it('refuses a snapshot written for another aggregate type', async () => {
    const repository = new EventRepository(db.dataSource);
    const tally = await tallyWith(repository, [[1, 1, 1]]);
    await db.dataSource.query(
      `UPDATE snapshots SET aggregate_type = 'Test.Snap.Other' WHERE aggregate_id = $1`,
      [tally.id],
    );
    const error = await repository.load(Tally, tally.id).then(
      () => expect.fail('loaded through a foreign snapshot'),
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(AggregateTypeMismatchError);
    expect((error as AggregateTypeMismatchError).storedType).to.equal('Test.Snap.Other');
  });

  // The head statement (snapshot and first page) and the later pages each compare every event
  // row's aggregate type: a foreign row is refused wherever it stands.
  for (const [where, pageSize] of [
    ['in the first page, read with the snapshot lookup', 10],
    ['in a later page', 1],
  ] as const) {
    it(`refuses an event row of another aggregate type ${where}`, async () => {
      const repository = new EventRepository(db.dataSource, { pageSize });
      const tally = await tallyWith(repository, [[1, 1]]);
      await db.dataSource.query(
        `INSERT INTO events (aggregate_id, aggregate_type, event_type, version, payload, metadata)
         VALUES ($1, 'Test.Snap.Other', 'Test.Snap.Added', 3, '{"amount": 1}', $2)`,
        [tally.id, JSON.stringify({ schemaVersion: 1, occurredAt: new Date().toISOString() })],
      );
      const error = await repository.load(Tally, tally.id).then(
        () => expect.fail('folded an event of another aggregate type'),
        (e: unknown) => e,
      );
      expect(error).to.be.instanceOf(AggregateTypeMismatchError);
      expect((error as AggregateTypeMismatchError).storedType).to.equal('Test.Snap.Other');
    });
  }

  it('ignores a snapshot of another snapshot version and replaces it on the next save', async () => {
    const repository = new EventRepository(db.dataSource);
    const tally = await tallyWith(repository, [[2, 2, 2], [2]]);
    await db.dataSource.query(
      `UPDATE snapshots SET schema_version = 99, state = '{"total": -1, "applied": 0}' WHERE aggregate_id = $1`,
      [tally.id],
    );
    const loaded = await repository.load(Tally, tally.id);
    expect(loaded.total).to.equal(8);
    loaded.add(1); // version 5: not a multiple of 3, but the outdated snapshot is replaced
    await repository.save(loaded);
    expect(await snapshotOf(tally.id)).to.deep.equal({
      version: 5,
      schema_version: 1,
      state: { total: 9, applied: 5 },
    });
  });

  it('writes no snapshot when the save that carries it loses a conflict', async () => {
    const repository = new EventRepository(db.dataSource);
    const tally = await tallyWith(repository, [[1]]);
    const stale = await repository.load(Tally, tally.id);
    await repository.update(Tally, tally.id, (t) => t.add(1));
    stale.add(5);
    stale.add(5);
    await repository.save(stale).then(
      () => expect.fail('stale save succeeded'),
      (e: unknown) => expect(e).to.be.instanceOf(ConcurrencyError),
    );
    expect(await snapshotOf(tally.id)).to.equal(undefined);
  });

  it('update() retries from a pristine snapshot state, whatever a failed attempt did to it', async () => {
    const repository = new EventRepository(db.dataSource);
    const tagger = new Tagger(randomUUID());
    tagger.tag('a');
    tagger.tag('b');
    await repository.save(tagger);
    expect((await snapshotOf(tagger.id))?.version).to.equal(2);
    let attempts = 0;
    const updated = await repository.update(Tagger, tagger.id, async (t) => {
      attempts += 1;
      // The first attempt loses to a competing writer, after its handler pushed into the array
      // restored from the snapshot.
      t.tag(`mine-${attempts}`);
      if (attempts === 1) await repository.update(Tagger, tagger.id, (other) => other.tag('other'));
    });
    expect(attempts).to.equal(2);
    expect(updated.tags).to.deep.equal(['a', 'b', 'other', 'mine-2']);
    expect((await repository.load(Tagger, tagger.id)).tags).to.deep.equal(updated.tags);
  });

  it('update() retries from snapshot and cache to a state equal to a full replay', async () => {
    const repository = new EventRepository(db.dataSource);
    const tally = await tallyWith(repository, [[1, 1, 1, 1]]);
    await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        repository.update(Tally, tally.id, (t) => t.add(i + 1), { retries: 50, baseDelayMs: 1 }),
      ),
    );
    const loaded = await repository.load(Tally, tally.id);
    await db.dataSource.query('DELETE FROM snapshots WHERE aggregate_id = $1', [tally.id]);
    const replayed = await repository.load(Tally, tally.id);
    expect(loaded.version).to.equal(12);
    expect({ ...loaded }).to.deep.equal({ ...replayed });
    expect(replayed.total).to.equal(4 + 36);
  });
});
