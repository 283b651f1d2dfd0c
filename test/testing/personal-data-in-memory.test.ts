import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { FORGOTTEN_VALUE } from '../../src/domain';
import { InMemoryEventRepository, personalDataContract } from '../../src/testing';
import { ContractClub } from '../../src/testing/contract/contract-club';

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
