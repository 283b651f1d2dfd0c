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
  type ProjectionContext,
} from '../../src';
import { ContractClub, MemberJoined } from '../../src/testing/contract/contract-club';
import { eventually, useScratchDatabase } from './support/scratch-database';
import { captureReplication } from '../support/replication-capture';

const personalData = {
  masterKey: new EnvironmentMasterKey({ key: randomBytes(32).toString('base64') }),
};

describe('Personal data on the change feeds', () => {
  const db = useScratchDatabase({ logical: true, poolSize: 8 });

  async function savedClub(name: string, email: string): Promise<{ id: string; subject: string }> {
    const subject = randomUUID();
    const club = new ContractClub(randomUUID());
    club.join(subject, name, email);
    await new EventRepository(db.dataSource, { personalData }).save(club);
    return { id: club.id, subject };
  }

  it('delivers only ciphertext of personal values through logical replication', async () => {
    const { consumer, received } = await captureReplication(
      db.dataSource,
      `personal_data_${process.pid}`,
    );
    try {
      const { id, subject } = await savedClub('Feed Ada Lovelace', 'feed.ada@example.com');
      await eventually('the insert to be replicated', () =>
        Promise.resolve(received.some((tx) => tx.events.some((e) => e.aggregateId === id))),
      );
      const delivered = JSON.stringify(received);
      expect(delivered).to.include(subject);
      expect(delivered).not.to.include('Feed Ada Lovelace');
      expect(delivered).not.to.include('feed.ada@example.com');
    } finally {
      await consumer.stop();
      await consumer.dropSlot();
    }
  });

  it('decrypts in the ordered reader with the option, and gives the placeholder after forget', async () => {
    const { id, subject } = await savedClub('Reader Ada', 'reader.ada@example.com');
    const read = async (reader: OrderedEventReader): Promise<unknown> => {
      const page = await reader.readPage(FEED_START, { limit: 10_000, unguarded: true });
      return page.events.find((e) => e.aggregateId === id)?.payload;
    };
    const plain = new OrderedEventReader(db.dataSource);
    const decrypting = new OrderedEventReader(db.dataSource, { personalData });
    expect(JSON.stringify(await read(plain))).not.to.include('Reader Ada');
    expect(await read(decrypting)).to.have.nested.property('contact.name', 'Reader Ada');
    await new EventRepository(db.dataSource).forget(subject);
    expect(await read(decrypting)).to.have.nested.property('contact.email', FORGOTTEN_VALUE);
  });

  it('rebuilds a projection with the placeholder for a forgotten subject', async () => {
    const { subject } = await savedClub('Projected Ada', 'projected.ada@example.com');
    const names: string[] = [];
    const projection = new Projection<ProjectionContext>(`names_${process.pid}`).on(
      MemberJoined,
      (event) => {
        names.push(event.contact.name);
        return Promise.resolve();
      },
    );
    const projector = new InlineProjector(db.dataSource, [projection], { personalData });
    await projector.rebuild(projection);
    expect(names).to.include('Projected Ada');
    await new EventRepository(db.dataSource).forget(subject);
    names.length = 0;
    await projector.rebuild(projection);
    expect(names).not.to.include('Projected Ada');
    expect(names).to.include(FORGOTTEN_VALUE);
  });
});
