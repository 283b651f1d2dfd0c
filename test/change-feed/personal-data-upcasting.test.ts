import { expect } from 'chai';
import { randomBytes, randomUUID } from 'node:crypto';
import {
  EnvironmentMasterKey,
  EventRepository,
  FEED_START,
  FORGOTTEN_VALUE,
  InlineProjector,
  OrderedEventReader,
  Projection,
  registerUpcaster,
  ReplicationProjectionRunner,
  type ProjectionContext,
} from '../../src';
import { ContractClub, MemberJoined } from '../../src/testing/contract/contract-club';
import { insertRawEvents } from '../support/insert-raw-events';
import { eventually, useScratchDatabase } from './support/scratch-database';

const personalData = {
  masterKey: new EnvironmentMasterKey({ key: randomBytes(32).toString('base64') }),
};

/** An older name of MemberJoined, whose contact had a `fullName` with padding to trim. */
const ENROLLED = 'TestPersonalUpcast.MemberEnrolled';

interface EnrolledPayload {
  readonly memberId: string;
  readonly contact: { readonly fullName: unknown; readonly email: unknown };
}

// The step reads the personal value itself: it only works on the plain value, so it proves
// every read path decrypts before upcasting (ciphertext is an object, the placeholder a string).
registerUpcaster<EnrolledPayload>({
  type: ENROLLED,
  fromVersion: 1,
  into: ['TesseraContract.MemberJoined'],
  upcast: ({ memberId, contact }) => {
    if (typeof contact.fullName !== 'string') throw new TypeError('fullName is not plain text');
    return [
      {
        type: 'TesseraContract.MemberJoined',
        version: 1,
        payload: {
          memberId,
          contact: { name: contact.fullName.trim(), email: contact.email },
          plan: 'legacy',
        },
      },
    ];
  },
});

describe('Personal data read by upcasters', () => {
  const db = useScratchDatabase({ logical: true, poolSize: 8 });

  /**
   * A club whose first event is stored under the old name and shape, its personal values sealed
   * with the subject's key as a save seals them (copied from a real save's row).
   */
  async function oldClub(name: string): Promise<{ id: string; subject: string }> {
    const repository = new EventRepository(db.dataSource, { personalData });
    const subject = randomUUID();
    const source = new ContractClub(randomUUID());
    source.join(subject, `  ${name}  `, `${subject}@example.com`);
    await repository.save(source);
    const [row] = await db.dataSource.query<{ payload: MemberJoinedRow }[]>(
      'SELECT payload FROM events WHERE aggregate_id = $1',
      [source.id],
    );
    const id = randomUUID();
    await insertRawEvents(db.dataSource, id, 'TesseraContract.Club', [
      {
        eventType: ENROLLED,
        schemaVersion: 1,
        payload: {
          memberId: row.payload.memberId,
          contact: { fullName: row.payload.contact.name, email: row.payload.contact.email },
        },
      },
    ]);
    return { id, subject };
  }

  it('loads (now and as of a version) with the upcaster seeing plain values', async () => {
    const { id, subject } = await oldClub('Load Ada');
    const repository = new EventRepository(db.dataSource, { personalData });
    expect((await repository.load(ContractClub, id)).members[0].name).to.equal('Load Ada');
    const asOf = await repository.load(ContractClub, id, { asOfVersion: 1 });
    expect(asOf.members[0].name).to.equal('Load Ada');
    await repository.forget(subject);
    expect((await repository.load(ContractClub, id)).members[0].name).to.equal(FORGOTTEN_VALUE);
  });

  it('decrypts before upcasting in the ordered reader and an inline rebuild', async () => {
    const { id } = await oldClub('Feed Ada');
    const reader = new OrderedEventReader(db.dataSource, { personalData });
    const page = await reader.readPage(FEED_START, {
      limit: 10_000,
      unguarded: true,
      eventTypes: ['TesseraContract.MemberJoined'],
    });
    const event = page.events.find((e) => e.aggregateId === id);
    expect(event?.eventType).to.equal('TesseraContract.MemberJoined');
    expect(event?.payload).to.have.nested.property('contact.name', 'Feed Ada');

    const names: string[] = [];
    const projection = new Projection<ProjectionContext>(`pd_upcast_${process.pid}`).on(
      MemberJoined,
      (joined, envelope) => {
        if (envelope.aggregateId === id) names.push(joined.contact.name);
      },
    );
    await new InlineProjector(db.dataSource, [projection], { personalData }).rebuild(projection);
    expect(names).to.deep.equal(['Feed Ada']);
  });

  it('decrypts before upcasting in a replication runner, from the table and from its slot', async () => {
    const before = await oldClub('Catch-up Ada');
    const names = new Map<string, string>();
    const projection = new Projection<ProjectionContext>(`pd_upcast_slot_${process.pid}`).on(
      MemberJoined,
      (joined, envelope) => {
        names.set(envelope.aggregateId, joined.contact.name);
      },
    );
    const errors: unknown[] = [];
    const runner = new ReplicationProjectionRunner(db.dataSource, projection, {
      lockRetryMs: 20,
      personalData,
      onError: (error) => errors.push(error),
    });
    runner.start();
    try {
      await eventually('the catch-up to apply the old row', () => names.has(before.id));
      const after = await oldClub('Slot Ada');
      await eventually('the slot to deliver the old row', () => names.has(after.id));
      expect(names.get(before.id)).to.equal('Catch-up Ada');
      expect(names.get(after.id)).to.equal('Slot Ada');
      expect(errors).to.deep.equal([]);
    } finally {
      await runner.dropSlot();
    }
  });
});

/** The stored payload of a MemberJoined: its personal values sealed. */
interface MemberJoinedRow {
  readonly memberId: string;
  readonly contact: { readonly name: unknown; readonly email: unknown };
}
