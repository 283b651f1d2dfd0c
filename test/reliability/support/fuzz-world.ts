import { BankAccount, Owner } from '../../../examples/bank-account';
import {
  ConcurrencyError,
  DomainError,
  TesseraError,
  type AggregateRepository,
  type EventMetadataOptions,
} from '../../../src';
import { HANDLES, type FuzzCommand, type FuzzOp } from './fuzz-program';

/** What an operation threw, reduced to facts both repositories must agree on. */
export interface ErrorOutcome {
  readonly error: string;
  readonly code?: unknown;
  readonly [fact: string]: unknown;
}

/** What one operation returned or threw. */
export type Outcome = { readonly ok: unknown } | ErrorOutcome;

const owner = new Owner('Fuzz', 'fuzz@example.com');
// A fixed time: the payload of AccountOpened must not differ between the two worlds.
const OPENED_AT = new Date('2026-01-01T00:00:00.000Z');
const GOOD_METADATA: EventMetadataOptions = { correlationId: 'fuzz', actor: 'fast-check' };
const BAD_METADATA = { headers: { 'bad key': 'x' } } as EventMetadataOptions;

/**
 * One repository plus the aggregate instances a caller holds: the program runs against two worlds
 * (PostgreSQL and memory) that must stay indistinguishable.
 */
export class FuzzWorld {
  readonly #handles: Array<BankAccount | null> = Array.from({ length: HANDLES }, () => null);
  /** Named errors seen, by code (for the figures). */
  readonly errorCodes = new Map<string, number>();

  constructor(
    readonly repository: AggregateRepository,
    readonly ids: readonly string[],
  ) {}

  /**
   * Binds an operation to the instances held now and returns a thunk running it: concurrent
   * steps bind both operations before running either, in both worlds.
   */
  bind(op: FuzzOp): () => Promise<Outcome> {
    const repository = this.repository;
    switch (op.kind) {
      case 'open':
        return this.#settle(async () => {
          this.#handles[op.handle] = null;
          const account = BankAccount.open(
            this.ids[op.slot],
            owner,
            'EUR',
            op.overdraft,
            OPENED_AT,
          );
          this.#handles[op.handle] = account;
          return summary(account);
        });
      case 'load':
        return this.#settle(async () => {
          const account = await repository.tryLoad(BankAccount, this.ids[op.slot]);
          this.#handles[op.handle] = account;
          return account ? summary(account) : null;
        });
      case 'command': {
        const account = this.#handles[op.handle];
        return this.#settle(async () => {
          if (!account) return 'no instance';
          run(account, op.command);
          return summary(account);
        });
      }
      case 'save': {
        const account = this.#handles[op.handle];
        return this.#settle(async () => {
          if (!account) return 'no instance';
          await repository.save(account, op.badMetadata ? BAD_METADATA : GOOD_METADATA);
          return summary(account);
        });
      }
      case 'saveAll': {
        const accounts = op.handles.map((h) => this.#handles[h]).filter((a) => a !== null);
        return this.#settle(async () => {
          await repository.saveAll(accounts, GOOD_METADATA);
          return accounts.map(summary);
        });
      }
      case 'update':
        return this.#settle(async () =>
          summary(
            await repository.update(BankAccount, this.ids[op.slot], (a) => run(a, op.command), {
              ...GOOD_METADATA,
              retries: 0,
            }),
          ),
        );
      case 'readStream':
        return this.#settle(async () => this.stream(op.slot));
    }
  }

  /** The instances held, as facts. */
  handles(): unknown[] {
    return this.#handles.map((a) => (a ? summary(a) : null));
  }

  /** An aggregate's stored events without what legitimately differs (ids, times). */
  async stream(slot: number): Promise<unknown[]> {
    const events = await this.repository.readStream(this.ids[slot]);
    return events.map((e) => ({
      version: e.version,
      type: e.eventType,
      aggregateType: e.aggregateType,
      payload: e.payload,
      metadata: { ...e.metadata, occurredAt: undefined },
    }));
  }

  /** The stored version of an aggregate (its number of events). */
  async storedVersion(slot: number): Promise<number> {
    return (await this.repository.readStream(this.ids[slot])).length;
  }

  #settle(work: () => Promise<unknown>): () => Promise<Outcome> {
    return async () => {
      try {
        return { ok: await work() };
      } catch (error) {
        const outcome = describeError(error, this.ids);
        const code = String(outcome.code ?? outcome.error);
        this.errorCodes.set(code, (this.errorCodes.get(code) ?? 0) + 1);
        return outcome;
      }
    };
  }
}

function run(account: BankAccount, command: FuzzCommand): void {
  if (command.kind === 'deposit') account.deposit(command.amount);
  else if (command.kind === 'withdraw') account.withdraw(command.amount);
  else account.close('fuzz');
}

function summary(account: BankAccount): unknown {
  return {
    id: account.id,
    version: account.version,
    balance: account.balance,
    overdraftLimit: account.overdraftLimit,
    closed: account.closed,
    uncommitted: account.getUncommittedEvents().map((e) => [e.constructor.name, { ...e }]),
  };
}

/** Names the aggregate by its slot, so errors read well in a shrunk counterexample. */
function describeError(error: unknown, ids: readonly string[]): ErrorOutcome {
  const slotOf = (id: unknown): unknown => {
    const slot = ids.indexOf(id as string);
    return slot >= 0 ? `slot ${slot}` : id;
  };
  if (error instanceof ConcurrencyError) {
    return {
      error: error.name,
      code: error.code,
      aggregate: slotOf(error.aggregateId),
      expectedVersion: error.expectedVersion,
      actualVersion: error.actualVersion,
    };
  }
  if (error instanceof TesseraError) {
    const facts: Record<string, unknown> = JSON.parse(JSON.stringify({ ...error }));
    delete facts.cause;
    return { ...facts, error: error.name, code: error.code };
  }
  if (error instanceof DomainError) return { error: 'DomainError', code: error.code };
  if (error instanceof TypeError) return { error: 'TypeError', message: error.message };
  return { error: 'Unexpected', message: String((error as Error)?.stack ?? error) };
}
