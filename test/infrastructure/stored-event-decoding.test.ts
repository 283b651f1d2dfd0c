import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { EventDecodingError, EventRepository, InvalidEventError } from '../../src';
import { ContractClub, ContractMember } from '../../src/testing/contract/round-trip-aggregate';
import { useTestDatabase } from '../support/database';
import { forgeEvents } from '../support/forge-events';

describe('EventRepository loads of stored events typed by their declarations', () => {
  const db = useTestDatabase();

  async function savedClub(repository: EventRepository): Promise<ContractClub> {
    const club = new ContractClub();
    club.join(new Date('2026-01-02T03:04:05Z'), new ContractMember(randomUUID(), 'ada'));
    await repository.save(club);
    return club;
  }

  it("runs a nested value object's own rules on load even without @Type (a forged memberId is refused)", async () => {
    const repository = new EventRepository(db.dataSource);
    const club = await savedClub(repository);
    await forgeEvents(
      db.dataSource,
      `UPDATE events SET payload = jsonb_set(payload, '{member,memberId}', '"not-a-uuid"') ` +
        'WHERE aggregate_id = $1 AND version = 1',
      [club.id],
    );
    const error = await repository.load(ContractClub, club.id).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(InvalidEventError);
    expect((error as InvalidEventError).violations.map((v) => v.property)).to.deep.equal([
      'member.memberId',
    ]);
  });

  it('names the stored event when its constructor fails while it is built (EventDecodingError)', async () => {
    const repository = new EventRepository(db.dataSource);
    const club = await savedClub(repository);
    // A row such as an older release (or another writer) stored: a class whose constructor
    // cannot run without arguments is refused at raise, so it reaches a load only this way.
    await forgeEvents(
      db.dataSource,
      "UPDATE events SET event_type = 'TesseraContract.RoundTrip.ClubRenamed', " +
        `payload = '{"name": "Chess"}' WHERE aggregate_id = $1 AND version = 1`,
      [club.id],
    );
    const error = await repository.load(ContractClub, club.id).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(EventDecodingError);
    const decoding = error as EventDecodingError;
    expect(decoding.eventType).to.equal('TesseraContract.RoundTrip.ClubRenamed');
    expect(decoding.location).to.deep.equal({
      aggregateId: club.id,
      aggregateType: 'TesseraContract.RoundTrip.Club',
      version: 1,
    });
    expect(decoding.message).to.contain('trim');
    expect(decoding.cause).to.be.instanceOf(TypeError);
  });
});
