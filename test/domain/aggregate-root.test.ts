import { expect } from 'chai';
import { IsInt, Min } from 'class-validator';
import {
  Aggregate,
  AggregateRoot,
  Apply,
  DomainEvent,
  InvalidAggregateIdError,
  InvalidEventError,
  MissingEventHandlerError,
  UnregisteredEventError,
} from '../../src/domain';

@DomainEvent('Test.AggregateRoot.Added')
class Added {
  @IsInt() @Min(1) readonly amount: number;
  constructor(amount: number) {
    this.amount = amount;
  }
}

@DomainEvent('Test.AggregateRoot.Reset')
class Reset {}

/** Registered, but no aggregate below handles it. */
@DomainEvent('Test.AggregateRoot.Unhandled')
class Unhandled {}

/** Never registered with @DomainEvent. */
class NotAnEvent {}

@Aggregate('Test.AggregateRoot.Tally')
class Tally extends AggregateRoot {
  total = 0;
  applied: string[] = [];

  add(amount: number): void {
    this.raise(new Added(amount));
  }
  reset(): void {
    this.raise(new Reset());
  }
  raiseAnything(event: object): void {
    this.raise(event);
  }

  @Apply(Added)
  protected onAdded(event: Added): void {
    this.total += event.amount;
    this.applied.push(`added ${event.amount}`);
  }

  @Apply(Reset)
  protected onReset(): void {
    this.total = 0;
    this.applied.push('reset');
  }
}

/** Inherits onAdded, overrides the Reset handler with a differently named method. */
@Aggregate('Test.AggregateRoot.StickyTally')
class StickyTally extends Tally {
  @Apply(Reset)
  protected onResetKeepingHalf(): void {
    this.total = Math.floor(this.total / 2);
    this.applied.push('half reset');
  }
}

const ID = '00000000-0000-4000-8000-00000000a001';

describe('AggregateRoot', () => {
  describe('constructor', () => {
    it('accepts a UUID and stores it lower-cased', () => {
      const tally = new Tally('00000000-0000-4000-8000-00000000ABCD');
      expect(tally.id).to.equal('00000000-0000-4000-8000-00000000abcd');
      expect(tally.version).to.equal(0);
    });

    it('generates a random UUID when no id is given', () => {
      const a = new Tally();
      const b = new Tally();
      expect(a.id).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(a.id).to.not.equal(b.id);
    });

    for (const bad of [
      'not-a-uuid',
      '',
      '00000000-0000-4000-8000-00000000a00',
      '{00000000-0000-4000-8000-00000000a001}',
    ]) {
      it(`rejects the id ${JSON.stringify(bad)} with InvalidAggregateIdError`, () => {
        expect(() => new Tally(bad))
          .to.throw(InvalidAggregateIdError)
          .with.property('code', 'TESSERA_INVALID_AGGREGATE_ID');
      });
    }

    it('rejects a non-string id with InvalidAggregateIdError', () => {
      expect(() => new Tally(42 as unknown as string)).to.throw(InvalidAggregateIdError);
    });
  });

  describe('raise', () => {
    it('validates the event, applies it through its handler and records it', () => {
      const tally = new Tally(ID);
      tally.add(3);
      expect(tally.total).to.equal(3);
      expect(tally.getUncommittedEvents()).to.deep.equal([new Added(3)]);
      expect(tally.getUncommittedEvents()[0]).to.be.instanceOf(Added);
      expect(tally.version).to.equal(0, 'raising does not move the committed version');
    });

    it('gives uncommitted events the versions version+1, version+2, ... with distinct ids', () => {
      const tally = new Tally(ID);
      tally.add(1);
      tally.add(2);
      tally.markCommitted();
      tally.add(3);
      tally.reset();
      tally.add(4);
      const envelopes = tally.getUncommittedEnvelopes();
      expect(envelopes.map((e) => e.version)).to.deep.equal([3, 4, 5]);
      expect(envelopes.map((e) => e.event)).to.deep.equal([
        new Added(3),
        new Reset(),
        new Added(4),
      ]);
      expect(new Set(envelopes.map((e) => e.eventId)).size).to.equal(3);
      for (const e of envelopes) expect(e.occurredAt).to.be.instanceOf(Date);
    });

    it('rejects an invalid event with InvalidEventError and records nothing', () => {
      const tally = new Tally(ID);
      tally.add(5);
      const error = captureError(() => tally.add(0));
      expect(error).to.be.instanceOf(InvalidEventError);
      const invalid = error as InvalidEventError;
      expect(invalid.code).to.equal('TESSERA_INVALID_EVENT');
      expect(invalid.eventType).to.equal('Test.AggregateRoot.Added');
      expect(invalid.violations.map((v) => v.property)).to.deep.equal(['amount']);
      expect(tally.total).to.equal(5);
      expect(tally.applied).to.deep.equal(['added 5']);
      expect(tally.getUncommittedEvents()).to.have.length(1);
    });

    it('rejects an event without a handler with MissingEventHandlerError; nothing is applied or recorded', () => {
      const tally = new Tally(ID);
      const error = captureError(() => tally.raiseAnything(new Unhandled()));
      expect(error).to.be.instanceOf(MissingEventHandlerError);
      expect(error).to.include({
        code: 'TESSERA_MISSING_EVENT_HANDLER',
        aggregateType: 'Tally',
        eventType: 'Test.AggregateRoot.Unhandled',
      });
      expect(tally.applied).to.deep.equal([]);
      expect(tally.getUncommittedEvents()).to.deep.equal([]);
    });

    it('rejects an instance of an unregistered class with UnregisteredEventError; nothing is recorded', () => {
      const tally = new Tally(ID);
      const error = captureError(() => tally.raiseAnything(new NotAnEvent()));
      expect(error).to.be.instanceOf(UnregisteredEventError);
      expect(error).to.include({ code: 'TESSERA_UNREGISTERED_EVENT', className: 'NotAnEvent' });
      expect(tally.getUncommittedEvents()).to.deep.equal([]);
    });

    it('rejects a plain object literal as an unregistered event', () => {
      const tally = new Tally(ID);
      expect(() => tally.raiseAnything({ amount: 1 })).to.throw(UnregisteredEventError);
      expect(tally.total).to.equal(0);
    });
  });

  describe('getUncommittedEvents / getUncommittedEnvelopes', () => {
    it('return copies that do not let callers change what will be saved', () => {
      const tally = new Tally(ID);
      tally.add(1);
      (tally.getUncommittedEvents() as object[]).push(new Added(9));
      (tally.getUncommittedEnvelopes() as unknown[]).length = 0;
      expect(tally.getUncommittedEvents()).to.deep.equal([new Added(1)]);
    });
  });

  describe('markCommitted', () => {
    it('moves the version on by the number of uncommitted events and clears them', () => {
      const tally = new Tally(ID);
      tally.add(1);
      tally.add(2);
      tally.markCommitted();
      expect(tally.version).to.equal(2);
      expect(tally.getUncommittedEvents()).to.deep.equal([]);
      tally.markCommitted();
      expect(tally.version).to.equal(2, 'committing nothing changes nothing');
      tally.add(3);
      tally.markCommitted();
      expect(tally.version).to.equal(3);
      expect(tally.total).to.equal(6);
    });
  });

  describe('loadFromHistory', () => {
    it('applies past events in order without recording them, one version each', () => {
      const tally = new Tally(ID);
      tally.loadFromHistory([new Added(2), new Reset(), new Added(7)]);
      expect(tally.total).to.equal(7);
      expect(tally.applied).to.deep.equal(['added 2', 'reset', 'added 7']);
      expect(tally.version).to.equal(3);
      expect(tally.getUncommittedEvents()).to.deep.equal([]);
    });

    it('continues at the next version when new events are raised afterwards', () => {
      const tally = new Tally(ID);
      tally.loadFromHistory([new Added(2), new Added(3)]);
      tally.add(1);
      expect(tally.getUncommittedEnvelopes().map((e) => e.version)).to.deep.equal([3]);
    });

    it('accepts any iterable, e.g. a generator', () => {
      const tally = new Tally(ID);
      tally.loadFromHistory(
        (function* () {
          yield new Added(1);
          yield new Added(1);
        })(),
      );
      expect(tally.version).to.equal(2);
      expect(tally.total).to.equal(2);
    });

    it('refuses to load history while uncommitted events exist', () => {
      const tally = new Tally(ID);
      tally.add(1);
      expect(() => tally.loadFromHistory([new Added(5)])).to.throw(/uncommitted events/);
      expect(tally.total).to.equal(1);
      expect(tally.version).to.equal(0);
    });

    it('throws MissingEventHandlerError for a stored event the aggregate cannot handle', () => {
      const tally = new Tally(ID);
      expect(() => tally.loadFromHistory([new Unhandled()])).to.throw(MissingEventHandlerError);
      expect(tally.version).to.equal(0);
    });

    it('throws UnregisteredEventError for an instance of an unregistered class', () => {
      expect(() => new Tally(ID).loadFromHistory([new NotAnEvent()])).to.throw(
        UnregisteredEventError,
      );
    });
  });

  describe('handler inheritance', () => {
    it('lets a subclass use the handlers of its base class', () => {
      const sticky = new StickyTally(ID);
      sticky.add(10);
      expect(sticky.total).to.equal(10);
      expect(sticky.applied).to.deep.equal(['added 10']);
    });

    it("lets a subclass's own @Apply handler win over the base class's one", () => {
      const sticky = new StickyTally(ID);
      sticky.add(10);
      sticky.reset();
      expect(sticky.total).to.equal(5);
      expect(sticky.applied).to.deep.equal(['added 10', 'half reset']);
    });

    it("does not change the base class's own handler", () => {
      const plain = new Tally(ID);
      plain.add(10);
      plain.reset();
      expect(plain.total).to.equal(0);
    });

    it('uses the overriding handler on replay too', () => {
      const sticky = new StickyTally(ID);
      sticky.loadFromHistory([new Added(9), new Reset()]);
      expect(sticky.total).to.equal(4);
    });
  });
});

function captureError(fn: () => void): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  expect.fail('expected the call to throw');
}
