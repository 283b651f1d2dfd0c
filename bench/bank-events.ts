/**
 * The bank-account events as raw and emmett write them: the same event types, JSON payloads and
 * metadata that tessera's EventRepository writes for `examples/bank-account`, built by hand.
 */

/** Event type of AccountOpened, as `@DomainEvent` registers it in examples/bank-account. */
export const OPENED = 'BankAccount.AccountOpened';
/** Event type of MoneyDeposited. */
export const DEPOSITED = 'BankAccount.MoneyDeposited';
const WITHDRAWN = 'BankAccount.MoneyWithdrawn';
const CLOSED = 'BankAccount.AccountClosed';

/** The owner every benchmark account is opened for. */
export const OWNER = { name: 'Ada Lovelace', email: 'ada@example.com' } as const;

/** An AccountOpened payload, key for key what tessera serializes. */
export function openedPayload(openedAt = new Date()): Record<string, unknown> {
  return {
    owner: { ...OWNER },
    currency: 'EUR',
    overdraftLimit: 0,
    openedAt: openedAt.toISOString(),
  };
}

/** A MoneyDeposited payload. */
export function depositedPayload(amount = 1): Record<string, unknown> {
  return { amount };
}

/** The metadata tessera stores with an event saved without options. */
export function eventMetadata(occurredAt = new Date()): Record<string, unknown> {
  return { schemaVersion: 1, occurredAt: occurredAt.toISOString() };
}

/** The state the plain reducer folds to. */
export interface AccountState {
  owner: string | null;
  currency: string;
  overdraftLimit: number;
  balance: number;
  closed: boolean;
}

/** A fresh, unopened account. */
export function initialAccount(): AccountState {
  return { owner: null, currency: '', overdraftLimit: 0, balance: 0, closed: false };
}

/** The plain reducer raw and emmett fold streams with: what BankAccount's `@Apply` handlers do. */
export function evolveAccount(state: AccountState, type: string, data: unknown): AccountState {
  const payload = data as Record<string, unknown>;
  switch (type) {
    case OPENED:
      state.owner = (payload.owner as { name: string }).name;
      state.currency = payload.currency as string;
      state.overdraftLimit = payload.overdraftLimit as number;
      return state;
    case DEPOSITED:
      state.balance += payload.amount as number;
      return state;
    case WITHDRAWN:
      state.balance -= payload.amount as number;
      return state;
    case CLOSED:
      state.closed = true;
      return state;
    default:
      throw new Error(`unknown event type ${type}`);
  }
}
