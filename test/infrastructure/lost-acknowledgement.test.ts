import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { EventRepository, OutcomeUnknownError } from '../../src';
import { createTesseraDataSource } from '../../src/infrastructure/session/tessera-data-source';
import { BankAccount, Owner } from '../../examples/bank-account';
import { useTestDatabase } from '../support/database';
import { LostAckProxy } from '../support/lost-ack-proxy';

const ada = new Owner('Ada Lovelace', 'ada@example.com');

async function outcomeOf(save: Promise<unknown>): Promise<OutcomeUnknownError> {
  const error = await save.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, 'the save whose acknowledgement was lost').to.be.instanceOf(OutcomeUnknownError);
  return error as OutcomeUnknownError;
}

describe('EventRepository when the acknowledgement of a commit is lost', () => {
  const db = useTestDatabase();
  let proxy: LostAckProxy;
  let proxied: DataSource;
  let repository: EventRepository;
  let direct: EventRepository;

  before(async () => {
    const url = new URL(db.url);
    proxy = await LostAckProxy.start({ host: url.hostname, port: Number(url.port || 5432) });
    url.hostname = '127.0.0.1';
    url.port = String(proxy.port);
    proxied = createTesseraDataSource({ url: url.toString(), poolSize: 4 });
    await proxied.initialize();
    repository = new EventRepository(proxied);
    direct = new EventRepository(db.dataSource);
  });

  after(async () => {
    await proxied?.destroy();
    await proxy?.stop();
  });

  async function opened(): Promise<BankAccount> {
    const account = BankAccount.open(randomUUID(), ada, 'EUR', 100);
    await repository.save(account);
    return account;
  }

  it('save: names the unknown outcome, and the same instance saved again resolves it as committed once', async () => {
    const account = await opened();
    account.deposit(40);
    const [deposit] = account.getUncommittedEnvelopes();
    proxy.loseNextAcknowledgement();
    const unknown = await outcomeOf(repository.save(account));
    expect(proxy.dropped).to.be.greaterThan(0);
    expect(unknown.aggregateId).to.equal(account.id);
    expect(unknown.streams).to.deep.equal([
      { aggregateId: account.id, aggregateType: 'BankAccount', firstVersion: 2, lastVersion: 2 },
    ]);
    expect(unknown.implicitKey).to.equal(true);
    expect(unknown.commandId).to.equal(deposit.eventId);
    expect((await direct.readStream(account.id)).length, 'committed despite the error').to.equal(2);

    const resolved = await repository.save(account);
    expect(resolved.replayed).to.equal(true);
    expect(resolved.streams[0].lastVersion).to.equal(2);
    expect(account.version).to.equal(2);
    expect(account.getUncommittedEvents()).to.have.length(0);
    const stream = await direct.readStream(account.id);
    expect(stream.map((e) => e.eventType)).to.deep.equal([
      'BankAccount.AccountOpened',
      'BankAccount.MoneyDeposited',
    ]);
  });

  it('save: with a command id, a freshly loaded instance retrying the command writes nothing', async () => {
    const account = await opened();
    account.deposit(25);
    proxy.loseNextAcknowledgement();
    const unknown = await outcomeOf(repository.save(account, { commandId: 'deposit-25' }));
    expect(unknown.commandId).to.equal('deposit-25');
    expect(unknown.implicitKey).to.equal(false);

    const retry = await repository.load(BankAccount, account.id);
    retry.deposit(25);
    const resolved = await repository.save(retry, { commandId: 'deposit-25' });
    expect(resolved).to.deep.equal({
      replayed: true,
      streams: [
        { aggregateId: account.id, aggregateType: 'BankAccount', firstVersion: 2, lastVersion: 2 },
      ],
    });
    expect((await direct.load(BankAccount, account.id)).balance).to.equal(25);
    expect((await direct.readStream(account.id)).length).to.equal(2);
  });

  it('saveAll: the same instances saved again resolve it, each stream holding one copy', async () => {
    const from = await opened();
    const to = await opened();
    from.withdraw(10);
    to.deposit(10);
    proxy.loseNextAcknowledgement();
    const unknown = await outcomeOf(repository.saveAll([from, to]));
    expect(unknown.streams.map((s) => s.aggregateId)).to.have.members([from.id, to.id]);

    const resolved = await repository.saveAll([from, to]);
    expect(resolved.replayed).to.equal(true);
    expect((await direct.load(BankAccount, from.id)).balance).to.equal(-10);
    expect((await direct.load(BankAccount, to.id)).balance).to.equal(10);
    expect((await direct.readStream(from.id)).length).to.equal(2);
    expect((await direct.readStream(to.id)).length).to.equal(2);
  });

  it('update: the command retried with its command id applies once', async () => {
    const account = await opened();
    const deposit = (): Promise<BankAccount> =>
      repository.update(BankAccount, account.id, (a) => a.deposit(70), { commandId: 'cmd-70' });
    proxy.loseNextAcknowledgement();
    await outcomeOf(deposit());
    const resolved = await deposit();
    expect(resolved.balance).to.equal(70);
    expect(resolved.version).to.equal(2);
    expect((await direct.readStream(account.id)).length).to.equal(2);
  });
});
