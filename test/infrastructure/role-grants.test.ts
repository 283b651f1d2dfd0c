import { expect } from 'chai';
import { randomBytes, randomUUID } from 'node:crypto';
import { BankAccount, Owner } from '../../examples/bank-account';
import { EventRepository } from '../../src';
import { MAINTAINER_ROLE, WRITER_ROLE } from '../../src/migrations/1732500002000-AppendOnlyEvents';
import { useTestDatabase } from '../support/database';

const ada = new Owner('Ada Lovelace', 'ada@example.com');

describe('what the roles may do with only their grants (migration RoleGrants)', () => {
  const db = useTestDatabase();

  it(`lets a member of ${WRITER_ROLE} claim, release and save with a command id`, async () => {
    const repository = new EventRepository(db.dataSource);
    const id = randomUUID();
    await repository.save(BankAccount.open(id, ada, 'EUR'));
    const email = `${randomUUID()}@example.com`;
    const account = await repository.load(BankAccount, id);
    await db.dataSource.transaction(async (manager) => {
      const member = `tessera_probe_${randomBytes(5).toString('hex')}`;
      await manager.query(`CREATE ROLE ${member} NOLOGIN IN ROLE ${WRITER_ROLE}`);
      await manager.query(`SET LOCAL ROLE ${member}`);
      account.deposit(5);
      await repository.save(account, {
        manager,
        commandId: 'as-writer',
        claim: [{ scope: 'email', value: email }],
      });
      account.deposit(5);
      await repository.save(account, { manager, release: [{ scope: 'email', value: email }] });
      await manager.query('RESET ROLE');
      await manager.query(`DROP ROLE ${member}`);
    });
    expect((await repository.load(BankAccount, id)).balance).to.equal(10);
  });

  it('grants the tables each role reads and writes', async () => {
    const rows = await db.dataSource.query<{ role: string; table: string; privilege: string }[]>(
      `SELECT r AS role, t AS "table", p AS privilege FROM (VALUES
         ($1, 'unique_values', 'SELECT'), ($1, 'unique_values', 'INSERT'), ($1, 'unique_values', 'DELETE'),
         ($1, 'personal_data_keys', 'SELECT'), ($1, 'personal_data_keys', 'INSERT'),
         ($1, 'personal_data_keys', 'DELETE'), ($1, 'command_keys', 'SELECT'),
         ($2, 'projection_checkpoints', 'SELECT'), ($2, 'command_keys', 'INSERT')) AS g(r, t, p)
       WHERE NOT has_table_privilege(r, t, p)`,
      [WRITER_ROLE, MAINTAINER_ROLE],
    );
    expect(rows, 'privileges missing').to.deep.equal([]);
  });
});
