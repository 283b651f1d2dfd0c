import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { FORGOTTEN_VALUE, MissingDataSubjectError } from '../../src/domain';
import {
  AggregateTestFixture,
  InMemoryEventRepository,
  personalDataContract,
} from '../../src/testing';
import {
  ContractAnonymous,
  ContractClub,
  ContractContact,
  MemberJoined,
  MemberNoted,
} from '../../src/testing/contract/contract-club';

personalDataContract('InMemoryEventRepository', () => new InMemoryEventRepository(), {
  describe,
  it,
});

describe('InMemoryEventRepository with personal data', () => {
  it('stores personal values encrypted: no plaintext in any stored event', async () => {
    const repository = new InMemoryEventRepository();
    const club = new ContractClub(randomUUID());
    const ada = randomUUID();
    club.join(ada, 'Ada Lovelace', 'ada@example.com');
    club.note(ada, 'secret-note');
    club.join(randomUUID(), 'Bob', 'bob@example.com');
    await repository.save(club, { commandId: 'c1' });
    const stored = JSON.stringify(repository.allEvents());
    for (const plain of ['Ada Lovelace', 'ada@example.com', 'secret-note', 'Bob']) {
      expect(stored).not.to.include(plain);
    }
    expect(stored).to.include(ada);
    await repository.forget(ada);
    expect((await repository.load(ContractClub, club.id)).members[0].email).to.equal(
      FORGOTTEN_VALUE,
    );
  });

  it('writes no snapshot of an aggregate that handles personal data', async () => {
    const repository = new InMemoryEventRepository();
    const club = new ContractClub(randomUUID());
    for (let i = 0; i < 4; i++) club.join(randomUUID(), `Member ${i}`, `m${i}@example.com`);
    await repository.save(club);
    expect(club.snapshotVersion).to.equal(0);
    expect((await repository.load(ContractClub, club.id)).members).to.have.length(4);
  });
});

describe('AggregateTestFixture with personal data', () => {
  const ada = '00000000-0000-4000-8000-00000000ada0';

  it('runs a command on an aggregate whose subject was forgotten', async () => {
    const club = await AggregateTestFixture.for(ContractClub)
      .given(new MemberJoined(ada, new ContractContact('Ada', 'ada@example.com'), 'basic'))
      .forgetting(ada)
      .when((c) => c.note('x', 'hello'))
      .expectEvents(new MemberNoted('x', 'hello'));
    expect(club.members[0].email).to.equal(FORGOTTEN_VALUE);
  });

  it('fails a recorded event with personal data and no data subject', async () => {
    const error = await AggregateTestFixture.for(ContractClub)
      .when((c) => c.leakAnonymously('secret'))
      .expectEvents(new ContractAnonymous('secret'))
      .catch((e: unknown) => e);
    expect(error).to.be.instanceOf(MissingDataSubjectError);
  });
});
