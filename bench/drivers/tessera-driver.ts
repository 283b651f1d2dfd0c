import type { DataSource } from 'typeorm';
import { randomUUID } from 'node:crypto';
import { createTesseraDataSource, EventRepository } from '../../src';
import { BankAccount, Owner } from '../../examples/bank-account';
import type { Driver } from '../driver';
import { OWNER } from '../bank-events';
import { prefillEvents } from '../prefill-events';

const owner = new Owner(OWNER.name, OWNER.email);

/** Effectively unbounded: the race must end with every writer done, never with a give-up. */
const RACE_RETRIES = 1_000_000;

/**
 * tessera through its public API only: `EventRepository` over `createTesseraDataSource`, with
 * the `examples/bank-account` aggregate.
 */
export class TesseraDriver implements Driver<BankAccount> {
  readonly #dataSource: DataSource;
  readonly #repository: EventRepository;
  readonly #keyed: boolean;

  private constructor(dataSource: DataSource, keyed: boolean) {
    this.#dataSource = dataSource;
    this.#repository = new EventRepository(dataSource);
    this.#keyed = keyed;
  }

  /** A save's options: a fresh command id each when keyed (issue 15: what a key costs). */
  #options(): { commandId?: string } {
    return this.#keyed ? { commandId: randomUUID() } : {};
  }

  /**
   * Migrates the scratch database with tessera's migrations. With `adrIndex`, the ADR's
   * idx_events_aggregate (a copy of the unique constraint's index, which tessera's last
   * migration drops) is created again afterwards, to measure what it costs. With `keyed`, every
   * save carries a command id.
   */
  static async create(
    url: string,
    poolSize: number,
    { adrIndex = false, keyed = false }: { adrIndex?: boolean; keyed?: boolean } = {},
  ): Promise<TesseraDriver> {
    const dataSource = createTesseraDataSource({ url, poolSize });
    await dataSource.initialize();
    await dataSource.runMigrations();
    if (adrIndex) {
      await dataSource.query('CREATE INDEX idx_events_aggregate ON events (aggregate_id, version)');
    }
    return new TesseraDriver(dataSource, keyed);
  }

  /** The data source, for workloads that need tessera-specific set-up. */
  get dataSource(): DataSource {
    return this.#dataSource;
  }

  /** The repository, for workloads that need tessera-specific calls. */
  get repository(): EventRepository {
    return this.#repository;
  }

  async openAccount(events: number): Promise<BankAccount> {
    const account = BankAccount.open(randomUUID(), owner, 'EUR');
    for (let i = 1; i < events; i++) account.deposit(1);
    await this.#repository.save(account, this.#options());
    return account;
  }

  async deposit(account: BankAccount): Promise<void> {
    account.deposit(1);
    await this.#repository.save(account, this.#options());
  }

  async openAccounts(count: number): Promise<void> {
    const accounts: BankAccount[] = [];
    for (let i = 0; i < count; i++) accounts.push(BankAccount.open(randomUUID(), owner, 'EUR'));
    await this.#repository.saveAll(accounts, this.#options());
  }

  async load(account: BankAccount): Promise<number> {
    return (await this.#repository.load(BankAccount, account.id)).balance;
  }

  async race(account: BankAccount, until: number): Promise<number> {
    let attempts = 0;
    let calls = 0;
    for (;;) {
      let done = false;
      calls += 1;
      await this.#repository.update(
        BankAccount,
        account.id,
        (latest) => {
          attempts += 1;
          done = latest.version >= until;
          if (!done) latest.deposit(1);
        },
        { retries: RACE_RETRIES },
      );
      // Every command run beyond the first of an update() call was a retry after a conflict.
      if (done) return attempts - calls;
    }
  }

  async prefill(events: number): Promise<BankAccount> {
    // A million rows take longer than the data source's 30 s statement timeout.
    const id = await this.#dataSource.transaction(async (manager) => {
      await manager.query('SET LOCAL statement_timeout = 0');
      return prefillEvents(manager, events);
    });
    return new BankAccount(id);
  }

  async versions(account: BankAccount): Promise<number[]> {
    const rows = await this.#dataSource.query<Array<{ version: number }>>(
      'SELECT version FROM events WHERE aggregate_id = $1 ORDER BY version',
      [account.id],
    );
    return rows.map((r) => r.version);
  }

  async close(): Promise<void> {
    await this.#dataSource.destroy();
  }
}
