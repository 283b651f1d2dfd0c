import { expect } from 'chai';
import fc from 'fast-check';
import {
  DuplicateUpcasterError,
  EventFromNewerCodeError,
  RegistrationError,
  UnknownEventTypeError,
  UpcastFailedError,
  UpcasterChainError,
  UpcasterRegistry,
  type Upcaster,
} from '../../src/domain';
import { EventRegistry } from '../../src/domain/codec/event-registry';

/* Each test has its own event registry, so the chains it breaks stay its own. */

function registries(classes: Record<string, number>): {
  events: EventRegistry;
  upcasters: UpcasterRegistry;
} {
  const events = new EventRegistry();
  for (const [name, version] of Object.entries(classes)) {
    events.register(class {}, name, version);
  }
  return { events, upcasters: new UpcasterRegistry(events) };
}

function caught(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

const location = {
  aggregateId: '00000000-0000-4000-8000-000000000001',
  aggregateType: 'A',
  version: 7,
};

describe('UpcasterRegistry', () => {
  it('runs a stored payload through every step from its version to the current one, in order', () => {
    const { upcasters } = registries({ Deposited: 3 });
    upcasters.register({
      type: 'Deposited',
      fromVersion: 1,
      upcast: (p) => ({ ...p, currency: 'EUR' }),
    });
    upcasters.register({
      type: 'Deposited',
      fromVersion: 2,
      upcast: (p) => ({ cents: (p.amount as number) * 100, currency: p.currency }),
    });
    upcasters.assertComplete();
    expect(upcasters.upcast('Deposited', 1, { amount: 5 })).to.deep.equal([
      { type: 'Deposited', version: 3, payload: { cents: 500, currency: 'EUR' } },
    ]);
    expect(upcasters.upcast('Deposited', 2, { amount: 5, currency: 'USD' })).to.deep.equal([
      { type: 'Deposited', version: 3, payload: { cents: 500, currency: 'USD' } },
    ]);
    expect(upcasters.upcast('Deposited', undefined, { amount: 1 })[0].payload).to.deep.equal({
      cents: 100,
      currency: 'EUR',
    });
    expect(upcasters.isCurrent('Deposited', 3)).to.equal(true);
    expect(upcasters.isCurrent('Deposited', 2)).to.equal(false);
  });

  it('applies steps k..n-1 exactly once each, whatever the chain length and stored version', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 12 })
          .chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 1, max: n }))),
        ([current, stored]) => {
          const { upcasters } = registries({ Counted: current });
          for (let v = 1; v < current; v++) {
            upcasters.register({
              type: 'Counted',
              fromVersion: v,
              upcast: (p) => ({ steps: [...(p.steps as number[]), v] }),
            });
          }
          upcasters.assertComplete();
          const [result] = upcasters.upcast('Counted', stored, { steps: [] });
          const expected = Array.from({ length: current - stored }, (_, i) => stored + i);
          expect(result).to.deep.equal({
            type: 'Counted',
            version: current,
            payload: { steps: expected },
          });
        },
      ),
    );
  });

  it("follows a rename into another type and that type's own chain", () => {
    const { upcasters } = registries({ Deposited: 2 });
    upcasters.register({ type: 'Deposited', fromVersion: 1, upcast: (p) => ({ ...p, v2: true }) });
    upcasters.register({
      type: 'FundsAdded',
      fromVersion: 1,
      into: ['Deposited'],
      upcast: (payload) => [{ type: 'Deposited', version: 1, payload }],
    });
    upcasters.assertComplete();
    expect(upcasters.upcast('FundsAdded', 1, { amount: 3 })).to.deep.equal([
      { type: 'Deposited', version: 2, payload: { amount: 3, v2: true } },
    ]);
    expect(upcasters.sourcesOf(['Deposited']).sort()).to.deep.equal(['Deposited', 'FundsAdded']);
    expect(upcasters.sourcesOf(['Other'])).to.deep.equal(['Other']);
  });

  it('splits one stored event into several, in the order the upcaster gives', () => {
    const { upcasters } = registries({ Withdrawn: 1, FeeCharged: 1 });
    upcasters.register({
      type: 'TransferredWithFee',
      fromVersion: 1,
      into: ['Withdrawn', 'FeeCharged'],
      upcast: (p) => [
        { type: 'Withdrawn', version: 1, payload: { amount: p.amount } },
        { type: 'FeeCharged', version: 1, payload: { amount: p.fee } },
      ],
    });
    upcasters.assertComplete();
    expect(upcasters.upcast('TransferredWithFee', 1, { amount: 3, fee: 1 })).to.deep.equal([
      { type: 'Withdrawn', version: 1, payload: { amount: 3 } },
      { type: 'FeeCharged', version: 1, payload: { amount: 1 } },
    ]);
  });

  describe('refuses broken chains before anything is read', () => {
    it('a second upcaster for the same step, at registration, with DuplicateUpcasterError', () => {
      const { upcasters } = registries({ Deposited: 3 });
      const step: Upcaster = { type: 'Deposited', fromVersion: 1, upcast: (p) => p };
      upcasters.register(step);
      const error = caught(() => upcasters.register({ ...step }));
      expect(error).to.be.instanceOf(DuplicateUpcasterError);
      expect(error).to.include({
        code: 'TESSERA_DUPLICATE_UPCASTER',
        eventType: 'Deposited',
        fromVersion: 1,
      });
    });

    it('a step at or beyond the class version, at registration', () => {
      const { upcasters } = registries({ Deposited: 2 });
      const error = caught(() =>
        upcasters.register({ type: 'Deposited', fromVersion: 2, upcast: (p) => p }),
      );
      expect(error).to.be.instanceOf(UpcasterChainError);
      expect(error).to.include({ problem: 'beyond-current', version: 2, currentVersion: 2 });
    });

    it('a step beyond the version of a class registered later, at startup', () => {
      const events = new EventRegistry();
      const upcasters = new UpcasterRegistry(events);
      upcasters.register({ type: 'Late', fromVersion: 1, upcast: (p) => p });
      upcasters.register({ type: 'Late', fromVersion: 2, upcast: (p) => p });
      events.register(class {}, 'Late', 2);
      const error = caught(() => upcasters.assertComplete());
      expect(error).to.include({
        code: 'TESSERA_UPCASTER_CHAIN',
        problem: 'beyond-current',
        version: 2,
      });
    });

    it('a missing step, naming the type and the version without an upcaster', () => {
      const { upcasters } = registries({ Deposited: 4 });
      upcasters.register({ type: 'Deposited', fromVersion: 1, upcast: (p) => p });
      upcasters.register({ type: 'Deposited', fromVersion: 3, upcast: (p) => p });
      const error = caught(() => upcasters.assertComplete());
      expect(error).to.be.instanceOf(UpcasterChainError);
      expect(error).to.include({
        eventType: 'Deposited',
        problem: 'missing-step',
        version: 2,
        currentVersion: 4,
      });
      expect((error as Error).message).to.include('fromVersion: 2');
    });

    it('a class above version 1 without any upcaster', () => {
      const { upcasters } = registries({ Deposited: 2 });
      expect(caught(() => upcasters.assertComplete())).to.include({
        problem: 'missing-step',
        version: 1,
      });
    });

    it('a type without a class whose chain ends on a payload step', () => {
      const { upcasters } = registries({});
      upcasters.register({ type: 'Gone', fromVersion: 1, upcast: (p) => p });
      expect(caught(() => upcasters.assertComplete())).to.include({
        eventType: 'Gone',
        problem: 'no-class',
        version: 2,
      });
    });

    it('a rename into a type nobody knows', () => {
      const { upcasters } = registries({});
      upcasters.register({
        type: 'Old',
        fromVersion: 1,
        into: ['Nowhere'],
        upcast: (payload) => [{ type: 'Nowhere', version: 1, payload }],
      });
      expect(caught(() => upcasters.assertComplete())).to.include({
        problem: 'unknown-target',
        target: 'Nowhere',
      });
    });

    it('a malformed upcaster with RegistrationError', () => {
      const { upcasters } = registries({ Deposited: 2 });
      for (const bad of [
        { type: 'Deposited', fromVersion: 0, upcast: (p: object) => p },
        { type: '', fromVersion: 1, upcast: (p: object) => p },
        { type: 'Deposited', fromVersion: 1 },
        { type: 'Deposited', fromVersion: 1, into: [], upcast: () => [] },
      ]) {
        expect(caught(() => upcasters.register(bad as unknown as Upcaster))).to.be.instanceOf(
          RegistrationError,
        );
      }
    });
  });

  describe('refuses what it cannot read, by name', () => {
    it('an event written by newer code with EventFromNewerCodeError', () => {
      const { upcasters } = registries({ Deposited: 2 });
      upcasters.register({ type: 'Deposited', fromVersion: 1, upcast: (p) => p });
      const error = caught(() => upcasters.upcast('Deposited', 3, {}, location));
      expect(error).to.be.instanceOf(EventFromNewerCodeError);
      expect(error).to.include({
        code: 'TESSERA_EVENT_FROM_NEWER_CODE',
        eventType: 'Deposited',
        storedVersion: 3,
        knownVersion: 2,
      });
      expect((error as EventFromNewerCodeError).location).to.deep.equal(location);
    });

    it('an upcaster that throws, with UpcastFailedError keeping the cause', () => {
      const { upcasters } = registries({ Deposited: 2 });
      const cause = new Error('no amount');
      upcasters.register({
        type: 'Deposited',
        fromVersion: 1,
        upcast: () => {
          throw cause;
        },
      });
      const error = caught(() => upcasters.upcast('Deposited', 1, {}, location));
      expect(error).to.be.instanceOf(UpcastFailedError);
      expect(error).to.include({ fromVersion: 1, reason: 'no amount', cause });
      expect((error as Error).message).to.include(location.aggregateId);
    });

    it('an upcaster result that is not what it declares', () => {
      const { upcasters } = registries({ A: 1, B: 2 });
      upcasters.register({ type: 'B', fromVersion: 1, upcast: () => [] });
      upcasters.register({
        type: 'Old',
        fromVersion: 1,
        into: ['A'],
        upcast: (payload) => [{ type: 'B', version: 1, payload }],
      });
      expect(caught(() => upcasters.upcast('B', 1, {}))).to.be.instanceOf(UpcastFailedError);
      expect((caught(() => upcasters.upcast('Old', 1, {})) as Error).message).to.include(
        'not one of its `into` types',
      );
    });

    it('renames that form a loop', () => {
      const { upcasters } = registries({});
      upcasters.register({
        type: 'Ping',
        fromVersion: 1,
        into: ['Pong'],
        upcast: (payload) => [{ type: 'Pong', version: 1, payload }],
      });
      upcasters.register({
        type: 'Pong',
        fromVersion: 1,
        into: ['Ping'],
        upcast: (payload) => [{ type: 'Ping', version: 1, payload }],
      });
      expect((caught(() => upcasters.upcast('Ping', 1, {})) as Error).message).to.include('loop');
    });

    it('a type neither a class nor a chain knows with UnknownEventTypeError', () => {
      const { upcasters } = registries({});
      expect(caught(() => upcasters.upcast('Nope', 1, {}))).to.be.instanceOf(UnknownEventTypeError);
    });

    it('a malformed stored schema version', () => {
      const { upcasters } = registries({ A: 1 });
      expect((caught(() => upcasters.upcast('A', '2', {})) as Error).message).to.include(
        'schemaVersion must be a positive integer',
      );
    });
  });
});
