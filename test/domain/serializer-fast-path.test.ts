import { expect } from 'chai';
import { Exclude, Transform, Type, instanceToPlain } from 'class-transformer';
import fc from 'fast-check';
import { DomainEvent, EventSerializer, UnserializableEventError } from '../../src';

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
    const json = JSON.parse(new EventSerializer().serialize(event).json) as {
      method: unknown;
      price: unknown;
    };
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
    expect(
      (JSON.parse(serializer.serialize(event).json) as { secretive: unknown }).secretive,
    ).to.deep.equal({ shown: 'yes' });
    expect((JSON.parse(serializer.serialize(event).json) as { loud: unknown }).loud).to.deep.equal({
      word: 'QUIET',
    });
  });

  it("gives class-transformer's exact text for plain data, Dates and undefined values", () => {
    const event = new PlainNested();
    expect(serializer.serialize(event).json).to.equal(JSON.stringify(instanceToPlain(event)));
  });
});

/** A Date whose JSON is its own, and one whose ISO string is. */
class LabelledDate extends Date {
  override toJSON(): string {
    return 'labelled';
  }
}
class Point {
  constructor(
    readonly x: number,
    readonly y: unknown,
  ) {}
}

@DomainEvent('Test.FastPath.Anything')
class Anything {
  constructor(readonly data: unknown) {}
}

/** Dates whose JSON.stringify goes through a `valueOf`, `Symbol.toPrimitive` or `getTime` of theirs. */
class NotANumberDate extends Date {
  override valueOf(): number {
    return NaN;
  }
}
class ZeroTimeDate extends Date {
  override getTime(): number {
    return 0;
  }
}
const dateOwnPrimitive = (time: number): Date => {
  const date = new Date(time);
  Object.defineProperty(date, Symbol.toPrimitive, { value: () => NaN });
  return date;
};

const dateOwnIso = (time: number): Date => {
  const date = new Date(time);
  Object.defineProperty(date, 'toISOString', { value: () => 'own', enumerable: false });
  return date;
};

/** Data JSON can hold, with Dates of every kind, holes, odd keys, boxed values and class instances. */
const jsonish = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.string(),
    fc.boolean(),
    fc.constant(null),
    fc.constant(undefined),
    fc.date({ noInvalidDate: true }),
    fc.date({ noInvalidDate: true }).map((d) => new LabelledDate(d.getTime())),
    fc.date({ noInvalidDate: true }).map((d) => dateOwnIso(d.getTime())),
    fc.date({ noInvalidDate: true }).map((d) => new NotANumberDate(d.getTime())),
    fc.date({ noInvalidDate: true }).map((d) => new ZeroTimeDate(d.getTime())),
    fc.date({ noInvalidDate: true }).map((d) => dateOwnPrimitive(d.getTime())),
    fc.string().map((s) => new String(s)),
    fc.integer().map((n) => new Number(n)),
    fc.sparseArray(tie('value'), { maxLength: 4 }),
    fc.dictionary(
      fc.oneof(fc.string(), fc.constantFrom('__proto__', 'constructor', 'toJSON', '0')),
      tie('value'),
      { maxKeys: 4 },
    ),
    fc.tuple(fc.integer(), tie('value')).map(([x, y]) => new Point(x, y)),
  ),
})).value;

describe('EventSerializer JSON of Dates', () => {
  const serializer = new EventSerializer();

  it('writes exactly what JSON.stringify writes, for any plain data with Dates in it', () => {
    fc.assert(
      fc.property(jsonish, (data) => {
        const event = new Anything(data);
        let json: string;
        try {
          json = serializer.serialize(event).json;
        } catch (error) {
          // Refused data (a lone surrogate, say) is another test's subject.
          fc.pre(!(error instanceof UnserializableEventError));
          throw error;
        }
        expect(json).to.equal(JSON.stringify(event));
      }),
      { numRuns: 2000 },
    );
  });

  it('writes a Date raised in the same millisecond as the one before it, and one raised later', () => {
    const first = new Date('2026-11-25T10:00:00.000Z');
    const json = (at: Date): string => serializer.serialize(new Anything({ at })).json;
    expect(json(first)).to.equal('{"data":{"at":"2026-11-25T10:00:00.000Z"}}');
    expect(json(new Date(first.getTime()))).to.equal('{"data":{"at":"2026-11-25T10:00:00.000Z"}}');
    expect(json(new Date(first.getTime() + 1))).to.equal(
      '{"data":{"at":"2026-11-25T10:00:00.001Z"}}',
    );
    // Same time value, but this one's ISO string is its own: never the remembered one.
    expect(json(dateOwnIso(first.getTime() + 1))).to.equal('{"data":{"at":"own"}}');
    // JSON.stringify reads a Date's time through valueOf and Symbol.toPrimitive, not getTime.
    expect(json(new Date(0))).to.equal('{"data":{"at":"1970-01-01T00:00:00.000Z"}}');
    expect(json(new ZeroTimeDate(first.getTime()))).to.equal(
      '{"data":{"at":"2026-11-25T10:00:00.000Z"}}',
    );
    expect(json(new NotANumberDate(first.getTime()))).to.equal('{"data":{"at":null}}');
    expect(json(dateOwnPrimitive(first.getTime()))).to.equal('{"data":{"at":null}}');
  });
});
