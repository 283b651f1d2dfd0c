import { expect } from 'chai';
import { Type } from 'class-transformer';
import { IsDate, IsInt, IsString, Min, ValidateNested } from 'class-validator';
import { AssertionError } from 'node:assert';
import {
  Aggregate,
  AggregateRoot,
  Apply,
  DomainError,
  DomainEvent,
  InvalidEventError,
  EventRoundTripError,
} from '../../src/domain';
import { EventSerializer } from '../../src/domain/codec/event-serializer';
import { AggregateTestFixture } from '../../src/testing';

@DomainEvent('Test.Fixture.Created')
class Created {
  @IsString() readonly name: string;
  constructor(name: string) {
    this.name = name;
  }
}

@DomainEvent('Test.Fixture.Bumped')
class Bumped {
  @IsInt() @Min(1) readonly by: number;
  constructor(by: number) {
    this.by = by;
  }
}

/** A Date without @Type(() => Date) (and no @IsDate, so only the round-trip comparison catches it). */
@DomainEvent('Test.Fixture.Stamped')
class Stamped {
  readonly at: Date;
  constructor(at: Date) {
    this.at = at;
  }
}

/** The same mistake with @IsDate: rehydration then fails validation. */
@DomainEvent('Test.Fixture.StampedValidated')
class StampedValidated {
  @IsDate() readonly at: Date;
  constructor(at: Date) {
    this.at = at;
  }
}

class Label {
  @IsString() readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
}

/** A nested class without @Type: it comes back as a plain object. */
@DomainEvent('Test.Fixture.Labelled')
class Labelled {
  @ValidateNested() readonly label: Label;
  constructor(label: Label) {
    this.label = label;
  }
}

/** The same nested class with @Type: survives. */
@DomainEvent('Test.Fixture.LabelledProperly')
class LabelledProperly {
  @ValidateNested() @Type(() => Label) readonly label: Label;
  constructor(label: Label) {
    this.label = label;
  }
}

class RuleBroken extends DomainError {
  constructor() {
    super('rule broken', 'RULE_BROKEN');
  }
}

class OtherRuleBroken extends DomainError {
  constructor() {
    super('other rule broken', 'OTHER');
  }
}

@Aggregate('Test.Fixture.Counter')
class Counter extends AggregateRoot {
  name = '';
  count = 0;
  stamps: unknown[] = [];
  label: unknown = null;

  static create(id: string, name: string): Counter {
    const counter = new Counter(id);
    counter.raise(new Created(name));
    return counter;
  }

  bump(by = 1): void {
    if (!this.name) throw new RuleBroken();
    this.raise(new Bumped(by));
  }

  async bumpLater(by: number): Promise<void> {
    await Promise.resolve();
    this.bump(by);
  }

  /** Changes state outside an @Apply handler: the bug the fixture must catch. */
  sneakyBump(by: number): void {
    this.raise(new Bumped(by));
    this.count += 1;
  }

  sneakyRename(name: string): void {
    this.name = name;
  }

  stamp(at: Date): void {
    this.raise(new Stamped(at));
  }

  stampValidated(at: Date): void {
    this.raise(new StampedValidated(at));
  }

  labelWith(text: string, properly: boolean): void {
    this.raise(properly ? new LabelledProperly(new Label(text)) : new Labelled(new Label(text)));
  }

  @Apply(Created) protected onCreated(e: Created): void {
    this.name = e.name;
  }
  @Apply(Bumped) protected onBumped(e: Bumped): void {
    this.count += e.by;
  }
  @Apply(Stamped) protected onStamped(e: Stamped): void {
    this.stamps.push(e.at);
  }
  @Apply(StampedValidated) protected onStampedValidated(e: StampedValidated): void {
    this.stamps.push(e.at);
  }
  @Apply(Labelled) protected onLabelled(e: Labelled): void {
    this.label = e.label;
  }
  @Apply(LabelledProperly) protected onLabelledProperly(e: LabelledProperly): void {
    this.label = e.label;
  }
}

@Aggregate('Test.Fixture.Unrelated')
class Unrelated extends AggregateRoot {}

const ID = '00000000-0000-4000-8000-00000000f001';
const fixture = () => AggregateTestFixture.for(Counter, { id: ID });
const created = new Created('c');

async function assertionFailure(run: Promise<unknown>): Promise<AssertionError> {
  try {
    await run;
  } catch (error) {
    expect(error, String(error)).to.be.instanceOf(AssertionError);
    return error as AssertionError;
  }
  return expect.fail('the fixture should have failed');
}

describe('AggregateTestFixture', () => {
  describe('expectEvents', () => {
    it('passes when the command records exactly the expected events, and returns the aggregate', async () => {
      const counter = await fixture()
        .given(created, new Bumped(2))
        .when((c) => {
          c.bump(3);
          c.bump(4);
        })
        .expectEvents(new Bumped(3), new Bumped(4));
      expect(counter).to.be.instanceOf(Counter);
      expect(counter.id).to.equal(ID);
      expect(counter.count).to.equal(9);
      expect(counter.version).to.equal(2, 'the given events are committed history');
    });

    it('fails when the recorded events differ in a value', async () => {
      const error = await assertionFailure(
        fixture()
          .given(created)
          .when((c) => c.bump(3))
          .expectEvents(new Bumped(4)),
      );
      expect(error.message).to.match(/recorded events differ/);
    });

    it('fails when the recorded events differ in number', async () => {
      await assertionFailure(
        fixture()
          .given(created)
          .when((c) => c.bump(3))
          .expectEvents(),
      );
      await assertionFailure(
        fixture()
          .given(created)
          .when((c) => c.bump(3))
          .expectEvents(new Bumped(3), new Bumped(3)),
      );
    });

    it('fails when the recorded events are in another order', async () => {
      await assertionFailure(
        fixture()
          .given(created)
          .when((c) => {
            c.bump(1);
            c.bump(2);
          })
          .expectEvents(new Bumped(2), new Bumped(1)),
      );
    });

    it('fails when an expected event has the same data but another class', async () => {
      await assertionFailure(
        fixture()
          .given(created)
          .when((c) => c.bump(1))
          .expectEvents({ by: 1 }),
      );
    });

    it('fails when the command throws, naming the error', async () => {
      const error = await assertionFailure(
        fixture()
          .when((c) => c.bump(1))
          .expectEvents(new Bumped(1)),
      );
      expect(error.message).to.match(/the command threw RuleBroken: rule broken/);
    });

    it('works with an async command', async () => {
      const counter = await fixture()
        .given(created)
        .when((c) => c.bumpLater(5))
        .expectEvents(new Bumped(5));
      expect(counter.count).to.equal(5);
    });

    it('checks the aggregate returned by a creation command', async () => {
      const counter = await fixture()
        .when(() => Counter.create(ID, 'fresh'))
        .expectEvents(new Created('fresh'));
      expect(counter.name).to.equal('fresh');
      expect(counter.version).to.equal(0);
    });

    it('checks the aggregate returned by an async creation command', async () => {
      const counter = await fixture()
        .when(async () => {
          await Promise.resolve();
          const c = Counter.create(ID, 'async');
          c.bump(2);
          return c;
        })
        .expectEvents(new Created('async'), new Bumped(2));
      expect(counter.count).to.equal(2);
    });

    it('fails a creation command when the returned aggregate is not what was expected', async () => {
      await assertionFailure(
        fixture()
          .when(() => Counter.create(ID, 'fresh'))
          .expectEvents(new Created('other')),
      );
    });

    it('fails when the command returns an aggregate of another class', async () => {
      await assertionFailure(
        fixture()
          .when(() => new Unrelated())
          .expectNoEvents(),
      );
    });

    it('needs when() before an expectation', async () => {
      let caught: unknown;
      try {
        await fixture().given(created).expectEvents();
      } catch (error) {
        caught = error;
      }
      expect(caught)
        .to.be.instanceOf(Error)
        .with.property('message')
        .that.match(/call when/);
    });
  });

  describe('expectNoEvents', () => {
    it('passes when the command records nothing', async () => {
      await fixture()
        .given(created)
        .when(() => undefined)
        .expectNoEvents();
    });

    it('fails when the command records an event', async () => {
      await assertionFailure(
        fixture()
          .given(created)
          .when((c) => c.bump())
          .expectNoEvents(),
      );
    });
  });

  describe('expectError', () => {
    it('passes when the command throws that class and returns the error', async () => {
      const error = await fixture()
        .when((c) => c.bump())
        .expectError(RuleBroken);
      expect(error).to.be.instanceOf(RuleBroken);
      expect(error.code).to.equal('RULE_BROKEN');
    });

    it('accepts a base class of the thrown error and a matching message', async () => {
      await fixture()
        .when((c) => c.bump())
        .expectError(DomainError, 'rule');
      await fixture()
        .when((c) => c.bump())
        .expectError(DomainError, /^rule broken$/);
    });

    it('catches an error from an async command', async () => {
      await fixture()
        .when((c) => c.bumpLater(1))
        .expectError(RuleBroken);
    });

    it('passes for a validation failure (InvalidEventError)', async () => {
      const error = await fixture()
        .given(created)
        .when((c) => c.bump(0))
        .expectError(InvalidEventError);
      expect(error.violations.map((v) => v.property)).to.deep.equal(['by']);
    });

    it('fails when the command succeeds', async () => {
      const error = await assertionFailure(
        fixture()
          .given(created)
          .when((c) => c.bump())
          .expectError(RuleBroken),
      );
      expect(error.message).to.match(/expected RuleBroken, but the command succeeded/);
    });

    it('fails when the command throws another class', async () => {
      const error = await assertionFailure(
        fixture()
          .when((c) => c.bump())
          .expectError(OtherRuleBroken),
      );
      expect(error.message).to.match(/expected OtherRuleBroken, but the command threw RuleBroken/);
    });

    it('fails when the message does not match', async () => {
      await assertionFailure(
        fixture()
          .when((c) => c.bump())
          .expectError(RuleBroken, 'something else'),
      );
      await assertionFailure(
        fixture()
          .when((c) => c.bump())
          .expectError(RuleBroken, /^broken/),
      );
    });
  });

  describe('serialization check', () => {
    it('refuses at raise a Date property with neither a decorator nor @Type (EventRoundTripError)', async () => {
      const error = await fixture()
        .given(created)
        .when((c) => c.stamp(new Date('2026-01-01T00:00:00Z')))
        .expectError(EventRoundTripError);
      expect(error.path).to.equal('at');
      expect(error.written).to.equal('Date 2026-01-01T00:00:00.000Z');
      expect(error.readBack).to.equal('string "2026-01-01T00:00:00.000Z"');
      expect(error.fix).to.contain('@Type(() => Date)');
    });

    it('round-trips a Date validated with @IsDate but without @Type (its declared type)', async () => {
      const counter = await fixture()
        .given(created)
        .when((c) => c.stampValidated(new Date('2026-01-01T00:00:00Z')))
        .expectEvents(new StampedValidated(new Date('2026-01-01T00:00:00Z')));
      expect(counter).to.be.instanceOf(Counter);
    });

    it('round-trips a nested class declared with @ValidateNested but without @Type', async () => {
      const counter = await fixture()
        .given(created)
        .when((c) => c.labelWith('x', false))
        .expectEvents(new Labelled(new Label('x')));
      expect(counter.label).to.be.instanceOf(Label);
    });

    it('passes when the nested class has @Type', async () => {
      const counter = await fixture()
        .given(created)
        .when((c) => c.labelWith('x', true))
        .expectEvents(new LabelledProperly(new Label('x')));
      expect(counter.label).to.be.instanceOf(Label);
    });

    it('fails when a given event does not survive serialization', async () => {
      await assertionFailure(
        fixture()
          .given(created, new Stamped(new Date('2026-01-01T00:00:00Z')))
          .when(() => undefined)
          .expectNoEvents(),
      );
    });

    it('uses the serializer given in the options (e.g. its payload limit)', async () => {
      let caught: unknown;
      try {
        await AggregateTestFixture.for(Counter, {
          id: ID,
          serializer: new EventSerializer({ maxPayloadBytes: 10 }),
        })
          .given(created)
          .when((c) => c.bump(1))
          .expectEvents(new Bumped(1));
      } catch (error) {
        caught = error;
      }
      expect(caught).to.have.property('code', 'TESSERA_UNSERIALIZABLE_EVENT');
    });
  });

  describe('state check', () => {
    it('fails when the command changes state outside an @Apply handler while raising events', async () => {
      const error = await assertionFailure(
        fixture()
          .given(created)
          .when((c) => c.sneakyBump(2))
          .expectEvents(new Bumped(2)),
      );
      expect(error.message).to.match(
        /state after the command differs from the state rebuilt from its events/,
      );
    });

    it('fails when the command changes state without raising any event', async () => {
      await assertionFailure(
        fixture()
          .given(created)
          .when((c) => c.sneakyRename('renamed'))
          .expectNoEvents(),
      );
    });

    it('fails when a creation command changes state outside a handler', async () => {
      await assertionFailure(
        fixture()
          .when(() => {
            const c = Counter.create(ID, 'new');
            c.sneakyRename('changed');
            return c;
          })
          .expectEvents(new Created('new')),
      );
    });

    it('fails expectError too when the command unexpectedly succeeds with a sneaky change', async () => {
      await assertionFailure(
        fixture()
          .given(created)
          .when((c) => c.sneakyBump(1))
          .expectError(RuleBroken),
      );
    });
  });
});
