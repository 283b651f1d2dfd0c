import { expect } from 'chai';
import { Type } from 'class-transformer';
import { IsDate, IsInt, IsOptional, IsString, ValidateNested } from 'class-validator';
import {
  Aggregate,
  AggregateRoot,
  Apply,
  BigIntProperty,
  DomainEvent,
  EventRoundTripError,
  RegistrationError,
} from '../../src';
import { eventRegistry } from '../../src/domain/codec/event-registry';
import { declareOtherNoted } from './support/other-noted';

class Money {
  @IsInt() readonly cents: number;
  constructor(cents: number) {
    this.cents = cents;
  }
}

@DomainEvent('Test.FirstRaise.Undecorated')
class Undecorated {
  readonly at: Date;
  constructor(at: Date) {
    this.at = at;
  }
}

@DomainEvent('Test.FirstRaise.Unchecked')
class Unchecked {
  @IsString() readonly note: string;
  readonly price: Money;
  constructor(note: string, price: Money) {
    this.note = note;
    this.price = price;
  }
}

@DomainEvent('Test.FirstRaise.Dates')
class Dates {
  @IsDate({ each: true }) readonly days: Date[];
  constructor(days: Date[]) {
    this.days = days;
  }
}

@DomainEvent('Test.FirstRaise.Prices')
class Prices {
  @ValidateNested({ each: true }) readonly prices: Money[];
  constructor(prices: Money[]) {
    this.prices = prices;
  }
}

@DomainEvent('Test.FirstRaise.Typed')
class Typed {
  @IsDate() readonly at: Date;
  @ValidateNested() readonly price: Money;
  @ValidateNested({ each: true }) @Type(() => Money) readonly prices: Money[];
  @BigIntProperty() readonly big: bigint;
  @IsOptional() @IsString() readonly note?: string;
  constructor(at: Date, price: Money, prices: Money[], big: bigint) {
    this.at = at;
    this.price = price;
    this.prices = prices;
    this.big = big;
  }
}

@Aggregate('Test.FirstRaise.Shop')
class Shop extends AggregateRoot {
  seen: object[] = [];
  record(event: object): void {
    this.raise(event);
  }
  @Apply(Undecorated) protected onUndecorated(e: object): void {
    this.seen.push(e);
  }
  @Apply(Unchecked) protected onUnchecked(e: object): void {
    this.seen.push(e);
  }
  @Apply(Dates) protected onDates(e: object): void {
    this.seen.push(e);
  }
  @Apply(Prices) protected onPrices(e: object): void {
    this.seen.push(e);
  }
  @Apply(Typed) protected onTyped(e: object): void {
    this.seen.push(e);
  }
}

const AT = new Date('2026-05-06T07:08:09.010Z');

function refusal(event: object): EventRoundTripError {
  const shop = new Shop();
  try {
    shop.record(event);
  } catch (error) {
    expect(shop.getUncommittedEvents()).to.have.length(0);
    expect(shop.seen).to.have.length(0);
    expect(error).to.be.instanceOf(EventRoundTripError);
    return error as EventRoundTripError;
  }
  throw new Error('the raise was not refused');
}

describe('AggregateRoot.raise: the first raise of each event class round-trips it', () => {
  it('refuses a Date with no decorator: names class, path, both values and the fix', () => {
    const error = refusal(new Undecorated(AT));
    expect(error.code).to.equal('TESSERA_EVENT_ROUND_TRIP');
    expect(error.subject).to.equal('event "Test.FirstRaise.Undecorated"');
    expect(error.className).to.equal('Undecorated');
    expect(error.path).to.equal('at');
    expect(error.written).to.equal('Date 2026-05-06T07:08:09.010Z');
    expect(error.readBack).to.equal('string "2026-05-06T07:08:09.010Z"');
    expect(error.fix).to.contain('add @Type(() => Date) to Undecorated.at');
    expect(error.message).to.contain('Undecorated').and.contain('@Type(() => Date)');
  });

  it('refuses an array of Dates without @Type (an array type says nothing of its elements)', () => {
    const error = refusal(new Dates([AT]));
    expect(error.path).to.equal('days.0');
    expect(error.fix).to.contain('@Type(() => Date) to the array property Dates.days');
  });

  it('refuses an array of value objects without @Type', () => {
    const error = refusal(new Prices([new Money(5)]));
    expect(error.path).to.equal('prices.0');
    expect(error.written).to.equal('Money {…}');
    expect(error.readBack).to.equal('a plain object');
    expect(error.fix).to.contain('@Type(() => Money)');
  });

  it('refuses a nested value object with rules but no @ValidateNested', () => {
    const error = refusal(new Unchecked('n', new Money(1)));
    expect(error.path).to.equal('price');
    expect(error.fix).to.contain('add @ValidateNested() to Unchecked.price');
  });

  it('accepts inferred Dates and value objects, @Type arrays, bigints and absent optionals', () => {
    const shop = new Shop();
    shop.record(new Typed(AT, new Money(1), [new Money(2)], 3n));
    shop.record(new Typed(AT, new Money(4), [], 5n));
    expect(shop.getUncommittedEvents()).to.have.length(2);
  });

  it('keeps refusing a class that failed: only a class that passed is not checked again', () => {
    refusal(new Undecorated(AT));
    refusal(new Undecorated(new Date(0)));
  });
});

describe('EventRegistry under a test watcher', () => {
  const watched = require.resolve('./support/watched-event');

  it('lets a module evaluated again re-register its class under the same name', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const first = (require(watched) as { Noted: new (text: string) => object }).Noted;
    delete require.cache[watched];
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const second = (require(watched) as { Noted: new (text: string) => object }).Noted;
    expect(second).not.to.equal(first);
    expect(eventRegistry.findByName('Test.Watch.Noted')?.type).to.equal(second);
    expect(eventRegistry.findByClass(first)).to.equal(undefined);
  });

  it('still refuses a class of the same name from another file under a taken name', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require(watched);
    expect(() => declareOtherNoted()).to.throw(RegistrationError, /already used/);
  });

  it('still refuses another class name in the same file under a taken name', () => {
    expect(() => {
      @DomainEvent('Test.FirstRaise.Typed')
      class NotTyped {}
      return NotTyped;
    }).to.throw(RegistrationError, /already used by class Typed/);
  });
});
