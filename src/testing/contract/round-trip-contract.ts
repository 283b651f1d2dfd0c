import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import type { AggregateRepository } from '../../domain/repository/aggregate-repository';
import { EventRoundTripError } from '../../domain/errors/event-round-trip-error';
import { ContractClub, ContractDiary, ContractMember, MemberJoined } from './round-trip-aggregate';

type RepositoryTest = (
  title: string,
  test: (repository: AggregateRepository) => Promise<void>,
) => unknown;

const ON = new Date('2026-03-04T05:06:07.089Z');

/**
 * The part of the repository contract about what comes back: whatever a save accepts, a load
 * gives back equal, events and snapshots alike, and what would not come back is refused at
 * raise with nothing written. Declared inside {@link aggregateRepositoryContract}'s group.
 */
export function roundTripContract(it: RepositoryTest): void {
  const member = (name: string): ContractMember => new ContractMember(randomUUID(), name);

  it('gives back a Date and a value object typed only by their declarations (no @Type)', async (repository) => {
    const club = new ContractClub();
    club.join(ON, member('ada'));
    await repository.save(club);
    const [stored] = await repository.readStream(club.id);
    assert.equal(stored.eventType, 'TesseraContract.RoundTrip.MemberJoined');
    const loaded = await repository.load(ContractClub, club.id);
    assert.ok(loaded.lastJoinedOn instanceof Date);
    assert.equal(loaded.lastJoinedOn.getTime(), ON.getTime());
    assert.ok(loaded.members[0] instanceof ContractMember);
    assert.deepEqual(loaded.members, club.members);
  });

  it('restores a snapshot with its Date and value objects equal to the saved state', async (repository) => {
    const club = new ContractClub();
    club.join(ON, member('ada'));
    club.join(new Date(ON.getTime() + 1000), member('grace'));
    await repository.save(club); // version 2: a snapshot is written
    assert.equal(club.snapshotVersion, 2);
    const loaded = await repository.load(ContractClub, club.id);
    assert.equal(loaded.snapshotVersion, 2, 'loaded from the snapshot');
    assert.ok(loaded.lastJoinedOn instanceof Date);
    assert.ok(loaded.members.every((m) => m instanceof ContractMember));
    assert.deepEqual({ ...loaded }, { ...club });
  });

  it('refuses at raise a nested value object with rules but no @ValidateNested, writing nothing', async (repository) => {
    const club = new ContractClub();
    assert.throws(
      () => club.tag('vip', member('ada')),
      (e: unknown) =>
        e instanceof EventRoundTripError &&
        e.path === 'member' &&
        e.fix.includes('@ValidateNested()'),
    );
    assert.equal(club.getUncommittedEvents().length, 0);
    await repository.save(club);
    assert.equal((await repository.readStream(club.id)).length, 0);
  });

  it('refuses at raise an event whose constructor cannot run without arguments, writing nothing', async (repository) => {
    const club = new ContractClub();
    assert.throws(
      () => club.rename('  Chess  '),
      (e: unknown) => e instanceof EventRoundTripError && e.fix.includes('new ClubRenamed()'),
    );
    assert.equal(club.getUncommittedEvents().length, 0);
    await repository.save(club);
    assert.equal(await repository.tryLoad(ContractClub, club.id), null);
  });

  it('refuses at raise an aggregate whose snapshot would lose a Date, writing nothing', async (repository) => {
    const diary = new ContractDiary();
    assert.throws(
      () => diary.write(ON),
      (e: unknown) =>
        e instanceof EventRoundTripError &&
        e.subject === 'snapshot of "TesseraContract.RoundTrip.Diary"' &&
        e.path === 'lastEntryOn' &&
        e.fix.includes('@Type(() => Date)'),
    );
    assert.equal(diary.getUncommittedEvents().length, 0);
    await repository.save(diary);
    assert.equal((await repository.readStream(diary.id)).length, 0);
    // The event class itself round-trips: another aggregate may raise it.
    assert.ok(new MemberJoined(ON, member('x')));
  });
}
