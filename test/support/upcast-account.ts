import { IsIn, IsInt, IsString, Min } from 'class-validator';
import { Aggregate, AggregateRoot, Apply, DomainEvent, registerUpcaster } from '../../src';

/*
 * An account whose events changed shape over time, for the upcasting tests:
 * - Deposited v1 { amount } (whole euros), v2 { amount, currency }, v3 { cents, currency };
 * - FundsAdded v1 { amount }: the old name of Deposited v1 (a rename);
 * - TransferredWithFee v1 { amount, fee }: split into Withdrawn v1 and FeeCharged v1.
 */

export const DEPOSITED = 'Test.Upcast.Deposited';
export const FUNDS_ADDED = 'Test.Upcast.FundsAdded';
export const TRANSFERRED = 'Test.Upcast.TransferredWithFee';
export const WITHDRAWN = 'Test.Upcast.Withdrawn';
export const FEE_CHARGED = 'Test.Upcast.FeeCharged';

@DomainEvent(DEPOSITED, { version: 3 })
export class Deposited {
  @IsInt() @Min(1) readonly cents: number;
  @IsIn(['EUR', 'USD']) readonly currency: string;
  constructor(cents: number, currency: string) {
    this.cents = cents;
    this.currency = currency;
  }
}

@DomainEvent(WITHDRAWN)
export class Withdrawn {
  @IsInt() @Min(1) readonly cents: number;
  constructor(cents: number) {
    this.cents = cents;
  }
}

@DomainEvent(FEE_CHARGED)
export class FeeCharged {
  @IsInt() @Min(0) readonly cents: number;
  @IsString() readonly reason: string;
  constructor(cents: number, reason: string) {
    this.cents = cents;
    this.reason = reason;
  }
}

registerUpcaster<{ amount: number }>({
  type: DEPOSITED,
  fromVersion: 1,
  upcast: (payload) => {
    if (typeof payload.amount !== 'number') throw new Error('a version 1 deposit needs an amount');
    return { ...payload, currency: 'EUR' };
  },
});
registerUpcaster<{ amount: number; currency: string }>({
  type: DEPOSITED,
  fromVersion: 2,
  upcast: ({ amount, currency }) => ({ cents: amount * 100, currency }),
});
registerUpcaster({
  type: FUNDS_ADDED,
  fromVersion: 1,
  into: [DEPOSITED],
  upcast: (payload) => [{ type: DEPOSITED, version: 1, payload }],
});
registerUpcaster<{ amount: number; fee: number }>({
  type: TRANSFERRED,
  fromVersion: 1,
  into: [WITHDRAWN, FEE_CHARGED],
  upcast: ({ amount, fee }) => [
    { type: WITHDRAWN, version: 1, payload: { cents: amount * 100 } },
    { type: FEE_CHARGED, version: 1, payload: { cents: fee * 100, reason: 'transfer' } },
  ],
});

@Aggregate('Test.Upcast.Account')
export class UpcastAccount extends AggregateRoot {
  cents = 0;
  fees = 0;
  deposits: string[] = [];
  /** Every event applied, as the handlers received it. */
  applied: object[] = [];

  deposit(cents: number): void {
    this.raise(new Deposited(cents, 'EUR'));
  }

  @Apply(Deposited) protected onDeposited(event: Deposited): void {
    this.applied.push(event);
    this.cents += event.cents;
    this.deposits.push(`${event.cents} ${event.currency}`);
  }

  @Apply(Withdrawn) protected onWithdrawn(event: Withdrawn): void {
    this.applied.push(event);
    this.cents -= event.cents;
  }

  @Apply(FeeCharged) protected onFee(event: FeeCharged): void {
    this.applied.push(event);
    this.cents -= event.cents;
    this.fees += event.cents;
  }
}

/** The same account with snapshots every 2 events: time travel must not start from a later one. */
@Aggregate('Test.Upcast.SnapAccount', { snapshotEvery: 2 })
export class SnapAccount extends AggregateRoot {
  cents = 0;

  deposit(cents: number): void {
    this.raise(new Deposited(cents, 'EUR'));
  }

  @Apply(Deposited) protected onDeposited(event: Deposited): void {
    this.cents += event.cents;
  }
}

/** One stored row as a test writes it by hand, the way an older release wrote it. */
export interface RawEvent {
  readonly eventType: string;
  readonly payload: object;
  /** `metadata.schemaVersion`; left out entirely when undefined (rows of the first releases). */
  readonly schemaVersion?: number;
}

/** The v1-era history every test starts from: 10 + 5 deposited, 3 transferred with a 1 fee. */
export const OLD_HISTORY: readonly RawEvent[] = [
  { eventType: DEPOSITED, payload: { amount: 10 }, schemaVersion: 1 },
  { eventType: FUNDS_ADDED, payload: { amount: 5 } },
  { eventType: DEPOSITED, payload: { amount: 7, currency: 'USD' }, schemaVersion: 2 },
  { eventType: TRANSFERRED, payload: { amount: 3, fee: 1 }, schemaVersion: 1 },
];
