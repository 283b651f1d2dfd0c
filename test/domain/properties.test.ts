import { expect } from 'chai';
import fc from 'fast-check';
import { isDeepStrictEqual } from 'node:util';
import { DomainError, EventSerializer, InvalidEventError } from '../../src/domain';
import { InMemoryEventRepository } from '../../src/testing';
import { BankAccount, Owner } from '../../examples/bank-account';

const ID = '00000000-0000-4000-8000-0000000000cc';
const RUNS = { numRuns: 200 };
const serializer = new EventSerializer();

type Command =
  | {
      kind: 'open';
      name: string;
      email: string;
      currency: string;
      overdraft: number;
      openedAt: Date;
    }
  | { kind: 'deposit'; amount: number }
  | { kind: 'withdraw'; amount: number }
  | { kind: 'close'; reason: string }
  | { kind: 'save' };

/** Mostly valid amounts, with zeros, negatives and fractions to be rejected by validation. */
const amount = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 1, max: 500 }) },
  { weight: 1, arbitrary: fc.integer({ min: -50, max: 0 }) },
  { weight: 1, arbitrary: fc.constantFrom(0.5, 12.25) },
);

const open = fc.record({
  kind: fc.constant('open' as const),
  name: fc.oneof(
    fc.constantFrom('Ada', 'Zoë 🌍', 'O\'Brien "Jr"'),
    fc.string({ minLength: 0, maxLength: 20 }),
  ),
  email: fc.constantFrom('ada@example.com', 'zoe@example.org', 'not-an-email'),
  currency: fc.constantFrom('EUR', 'USD', 'GBP', 'XXX'),
  overdraft: fc.oneof(fc.integer({ min: 0, max: 300 }), fc.constant(-1)),
  openedAt: fc.date({
    min: new Date('1970-01-01T00:00:00Z'),
    max: new Date('2100-01-01T00:00:00Z'),
    noInvalidDate: true,
  }),
});

const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 2, arbitrary: open },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('deposit' as const), amount }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('withdraw' as const), amount }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('close' as const),
      reason: fc.constantFrom('done', '', 'moving 🏠'),
    }),
  },
  { weight: 2, arbitrary: fc.constant({ kind: 'save' as const }) },
);

const commands = fc.array(command, { maxLength: 30 });

/**
 * Runs one command. `open` creates the account when it does not exist yet (the example has no
 * instance method for it); on an existing account it is a no-op. Returns the account to use
 * next, or throws the rejection.
 */
function run(account: BankAccount, c: Exclude<Command, { kind: 'save' }>): BankAccount {
  switch (c.kind) {
    case 'open':
      if (
        account.owner !== null ||
        account.getUncommittedEvents().length > 0 ||
        account.version > 0
      )
        return account;
      return BankAccount.open(ID, new Owner(c.name, c.email), c.currency, c.overdraft, c.openedAt);
    case 'deposit':
      account.deposit(c.amount);
      return account;
    case 'withdraw':
      account.withdraw(c.amount);
      return account;
    case 'close':
      account.close(c.reason);
      return account;
  }
}

function isRejection(error: unknown): boolean {
  return error instanceof DomainError || error instanceof InvalidEventError;
}

/** Runs the commands on a fresh account, ignoring saves; returns the account. */
function runAll(cs: readonly Command[]): BankAccount {
  let account = new BankAccount(ID);
  for (const c of cs) {
    if (c.kind === 'save') continue;
    try {
      account = run(account, c);
    } catch (error) {
      if (!isRejection(error)) throw error;
    }
  }
  return account;
}

const state = (a: BankAccount) => ({ ...a });

describe('BankAccount properties (fast-check)', () => {
  it('rebuilding from the recorded events with loadFromHistory gives the live state', () => {
    fc.assert(
      fc.property(commands, (cs) => {
        const live = runAll(cs);
        const rebuilt = new BankAccount(ID);
        rebuilt.loadFromHistory(live.getUncommittedEvents());
        expect(state(rebuilt)).to.deep.equal(state(live));
        expect(isDeepStrictEqual(state(rebuilt), state(live))).to.equal(true);
        expect(rebuilt.version).to.equal(live.getUncommittedEvents().length);
      }),
      RUNS,
    );
  });

  it('the recorded events carry versions 1..n without gaps', () => {
    fc.assert(
      fc.property(commands, (cs) => {
        const envelopes = runAll(cs).getUncommittedEnvelopes();
        expect(envelopes.map((e) => e.version)).to.deep.equal(envelopes.map((_, i) => i + 1));
      }),
      RUNS,
    );
  });

  it('every recorded event survives EventSerializer unchanged', () => {
    fc.assert(
      fc.property(commands, (cs) => {
        for (const event of runAll(cs).getUncommittedEvents()) {
          const serialized = serializer.serialize(event);
          const back = serializer.deserialize(serialized.eventType, JSON.parse(serialized.json));
          expect(
            isDeepStrictEqual(back, event),
            `${serialized.eventType} ${serialized.json}`,
          ).to.equal(true);
        }
      }),
      RUNS,
    );
  });

  it('a rejected command records nothing and leaves the state unchanged', () => {
    let rejections = 0;
    fc.assert(
      fc.property(commands, (cs) => {
        let account = new BankAccount(ID);
        for (const c of cs) {
          if (c.kind === 'save') continue;
          const before = state(account);
          const beforeEvents = account.getUncommittedEnvelopes();
          try {
            account = run(account, c);
          } catch (error) {
            if (!isRejection(error)) throw error;
            rejections++;
            expect(
              isDeepStrictEqual(state(account), before),
              `state changed by rejected ${c.kind}`,
            ).to.equal(true);
            expect(account.getUncommittedEnvelopes()).to.deep.equal(beforeEvents);
          }
        }
      }),
      RUNS,
    );
    expect(rejections, 'the generator should produce rejected commands').to.be.greaterThan(0);
  });

  it('saving in chunks through InMemoryEventRepository and loading gives the same state and version', async () => {
    await fc.assert(
      fc.asyncProperty(commands, async (cs) => {
        const repository = new InMemoryEventRepository();
        let account = new BankAccount(ID);
        let total = 0;
        for (const c of cs) {
          if (c.kind === 'save') {
            total += account.getUncommittedEvents().length;
            await repository.save(account);
            expect(account.version).to.equal(total);
            expect(account.getUncommittedEvents()).to.deep.equal([]);
            continue;
          }
          try {
            account = run(account, c);
          } catch (error) {
            if (!isRejection(error)) throw error;
          }
        }
        total += account.getUncommittedEvents().length;
        await repository.save(account);
        expect(account.version).to.equal(total);
        const loaded = await repository.tryLoad(BankAccount, ID);
        if (total === 0) {
          expect(loaded).to.equal(null);
          return;
        }
        expect(loaded).to.be.instanceOf(BankAccount);
        expect(loaded?.version).to.equal(account.version);
        expect(isDeepStrictEqual(state(loaded as BankAccount), state(account))).to.equal(true);
        expect((await repository.readStream(ID)).map((e) => e.version)).to.deep.equal(
          Array.from({ length: total }, (_, i) => i + 1),
        );
      }),
      RUNS,
    );
  });
});
