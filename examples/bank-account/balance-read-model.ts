import { Column, Entity, PrimaryColumn, type MigrationInterface, type QueryRunner } from 'typeorm';
import { Projection, type ProjectionContext } from '../../src';
import { AccountClosed, AccountOpened, MoneyDeposited, MoneyWithdrawn } from './events';

/** Read model: one row per bank account with its current balance, kept by a projection. */
@Entity({ name: 'account_balances' })
export class AccountBalance {
  @PrimaryColumn({ type: 'uuid', name: 'account_id' }) accountId!: string;
  @Column({ type: 'varchar', length: 200, name: 'owner_name' }) ownerName!: string;
  @Column({ type: 'varchar', length: 3 }) currency!: string;
  /** Cents. */
  @Column({ type: 'integer' }) balance!: number;
  @Column({ type: 'boolean' }) closed!: boolean;
  /** Version of the last event applied: equals the aggregate's version when up to date. */
  @Column({ type: 'integer' }) version!: number;
}

/** Creates `account_balances` (the application's migration, run after Tessera's). */
export class CreateAccountBalances1732600000000 implements MigrationInterface {
  name = 'CreateAccountBalances1732600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE account_balances (
        account_id uuid PRIMARY KEY,
        owner_name varchar(200) NOT NULL,
        currency varchar(3) NOT NULL,
        balance integer NOT NULL,
        closed boolean NOT NULL,
        version integer NOT NULL
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE account_balances');
  }
}

/**
 * The balances projection. The same definition runs inline (`InlineProjector`) or asynchronously
 * (`OrderedProjectionRunner`, `ReplicationProjectionRunner`): handlers only use the transaction's
 * EntityManager they are given.
 */
export const balanceProjection = new Projection<ProjectionContext>('bank_account_balances')
  .on(AccountOpened, async (event, envelope, { manager }) => {
    await manager.insert(AccountBalance, {
      accountId: envelope.aggregateId,
      ownerName: event.owner.name,
      currency: event.currency,
      balance: 0,
      closed: false,
      version: envelope.version,
    });
  })
  .on(MoneyDeposited, (event, envelope, { manager }) =>
    move(manager, envelope.aggregateId, event.amount, envelope.version),
  )
  .on(MoneyWithdrawn, (event, envelope, { manager }) =>
    move(manager, envelope.aggregateId, -event.amount, envelope.version),
  )
  .on(AccountClosed, async (_event, envelope, { manager }) => {
    await manager.update(
      AccountBalance,
      { accountId: envelope.aggregateId },
      { closed: true, version: envelope.version },
    );
  })
  .onReset(({ manager }) => manager.clear(AccountBalance));

async function move(
  manager: ProjectionContext['manager'],
  accountId: string,
  amount: number,
  version: number,
): Promise<void> {
  await manager
    .createQueryBuilder()
    .update(AccountBalance)
    .set({ balance: () => 'balance + :amount', version })
    .setParameter('amount', amount)
    .where('account_id = :accountId', { accountId })
    .execute();
}
