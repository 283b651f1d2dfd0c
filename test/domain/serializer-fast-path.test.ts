import { expect } from 'chai';
import { Exclude, Transform, Type, instanceToPlain } from 'class-transformer';
import { DomainEvent, EventSerializer } from '../../src';

class Secretive {
  readonly shown = 'yes';
  @Exclude() readonly hidden = 'no';
}

class Loud {
  @Transform(({ value }) => String(value).toUpperCase(), { toPlainOnly: true })
  readonly word: string;
  constructor(word: string) {
    this.word = word;
  }
}

class WithToJson {
  toJSON(): string {
    return 'custom';
  }
}

@DomainEvent('Test.FastPath.Mixed')
class Mixed {
  @Type(() => Date) readonly at = new Date('2026-01-01T00:00:00.000Z');
  @Type(() => Secretive) readonly secretive = new Secretive();
  @Type(() => Loud) readonly loud = new Loud('quiet');
  readonly custom = new WithToJson();
  readonly list = [1, 'two', { three: 3 }];
}

@DomainEvent('Test.FastPath.Plain')
class PlainNested {
  @Type(() => Date) readonly at = new Date('2026-01-01T00:00:00.000Z');
  readonly nested = { a: [1, 2, { b: 'c' }], d: null, e: undefined };
}

abstract class Method {}
class Card extends Method {
  constructor(readonly last4: string) {
    super();
  }
}
class Money {
  readonly amount: number = 0;
  @Exclude() readonly internal: string = '';
}

@DomainEvent('Test.FastPath.Paid')
class Paid {
  @Type(() => Method, {
    discriminator: { property: 'kind', subTypes: [{ value: Card, name: 'card' }] },
  })
  readonly method: Method = new Card('4242');
  @Type(() => Money) readonly price = { amount: 5, internal: 'secret' };
}

describe('EventSerializer direct-JSON fast path', () => {
  it("keeps class-transformer's output for @Type discriminators and declared classes with @Exclude", () => {
    const event = new Paid();
    const json = JSON.parse(new EventSerializer().serialize(event).json);
    expect(json).to.deep.equal(JSON.parse(JSON.stringify(instanceToPlain(event))));
    expect(json.method).to.deep.equal({ last4: '4242', kind: 'card' });
    expect(json.price).to.deep.equal({ amount: 5 });
  });

  const serializer = new EventSerializer();

  it("gives class-transformer's output when nested classes carry @Exclude, @Transform or toJSON", () => {
    const event = new Mixed();
    expect(JSON.parse(serializer.serialize(event).json)).to.deep.equal(
      JSON.parse(JSON.stringify(instanceToPlain(event))),
    );
    expect(JSON.parse(serializer.serialize(event).json).secretive).to.deep.equal({ shown: 'yes' });
    expect(JSON.parse(serializer.serialize(event).json).loud).to.deep.equal({ word: 'QUIET' });
  });

  it("gives class-transformer's exact text for plain data, Dates and undefined values", () => {
    const event = new PlainNested();
    expect(serializer.serialize(event).json).to.equal(JSON.stringify(instanceToPlain(event)));
  });
});
