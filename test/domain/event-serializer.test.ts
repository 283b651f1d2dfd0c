import { expect } from 'chai';
import { Type } from 'class-transformer';
import {
  ArrayMinSize,
  IsDate,
  IsEmail,
  IsInt,
  IsNumberString,
  IsOptional,
  IsString,
  Length,
  Min,
  ValidateNested,
} from 'class-validator';
import { isDeepStrictEqual } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  BigIntProperty,
  DomainEvent,
  EventSerializer,
  InvalidEventError,
  registerUpcaster,
  UnknownEventTypeError,
  UnregisteredEventError,
  UnserializableEventError,
} from '../../src/domain';

class Money {
  @IsNumberString() readonly amount: string;
  @Length(3, 3) readonly currency: string;
  constructor(amount: string, currency: string) {
    this.amount = amount;
    this.currency = currency;
  }
}

class Line {
  @IsString() @Length(1, 50) readonly sku: string;
  @ValidateNested() @Type(() => Money) readonly price: Money;
  @IsInt() @Min(1) readonly quantity: number;
  constructor(sku: string, price: Money, quantity: number) {
    this.sku = sku;
    this.price = price;
    this.quantity = quantity;
  }
}

class Owner {
  @IsString() @Length(1, 100) readonly name: string;
  @IsEmail() readonly email: string;
  constructor(name: string, email: string) {
    this.name = name;
    this.email = email;
  }
}

@DomainEvent('Test.Serializer.OrderPlaced', { version: 4 })
class OrderPlaced {
  @IsString() @Length(1, 200) readonly note: string;
  @Type(() => Date) @IsDate() readonly placedAt: Date;
  @ValidateNested() @Type(() => Owner) readonly owner: Owner;
  @ValidateNested({ each: true }) @ArrayMinSize(1) @Type(() => Line) readonly lines: Line[];
  @BigIntProperty() readonly sequence: bigint;
  @IsNumberString() readonly total: string;
  constructor(
    note: string,
    placedAt: Date,
    owner: Owner,
    lines: Line[],
    sequence: bigint,
    total: string,
  ) {
    this.note = note;
    this.placedAt = placedAt;
    this.owner = owner;
    this.lines = lines;
    this.sequence = sequence;
    this.total = total;
  }
}
// Version 4 needs a chain from 1 for repositories of this process to start.
for (const fromVersion of [1, 2, 3]) {
  registerUpcaster({
    type: 'Test.Serializer.OrderPlaced',
    fromVersion,
    upcast: (payload) => payload,
  });
}

/** A loose event whose single property can hold anything, to feed the serializer bad values. */
@DomainEvent('Test.Serializer.Anything')
class Anything {
  @IsOptional() readonly value: unknown;
  constructor(value?: unknown) {
    this.value = value;
  }
}

@DomainEvent('Test.Serializer.Nested')
class Nested {
  @IsOptional() readonly inner: { deeper: unknown };
  constructor(deeper?: unknown) {
    this.inner = { deeper };
  }
}

/** A bigint property without @BigIntProperty(). */
@DomainEvent('Test.Serializer.RawBigInt')
class RawBigInt {
  readonly big: bigint;
  constructor(big = 0n) {
    this.big = big;
  }
}

@DomainEvent('Test.Serializer.Minimal')
class Minimal {}

/** OrderPlaced's JSON as the serializer writes it; values are unknown so a test can corrupt them. */
interface OrderPlacedJson {
  note: unknown;
  placedAt: unknown;
  owner: { name: unknown; email: unknown };
  lines: { quantity: unknown; price: { currency: unknown } }[];
  sequence: unknown;
}

const serializer = new EventSerializer();

function roundTrip<E extends object>(event: E, s = serializer): E {
  const serialized = s.serialize(event);
  return s.deserialize(serialized.eventType, JSON.parse(serialized.json)) as E;
}

function sampleOrder(overrides: Partial<Record<keyof OrderPlaced, unknown>> = {}): OrderPlaced {
  const base = new OrderPlaced(
    'Grüße 🌍 — “quoted” \\ back\nslash 日本語',
    new Date('2026-03-04T05:06:07.089Z'),
    new Owner('Zoë', 'zoe@example.com'),
    [
      new Line('A-1', new Money('12.3400', 'EUR'), 2),
      new Line('B-2', new Money('0.000000001', 'EUR'), 1),
    ],
    2n ** 64n + 1n,
    '123456789012345678901234567890.123456789',
  );
  return Object.assign(base, overrides);
}

function serializationError(event: object, s = serializer): UnserializableEventError {
  let caught: unknown;
  try {
    s.serialize(event);
  } catch (error) {
    caught = error;
  }
  expect(caught, 'serialize should throw').to.be.instanceOf(UnserializableEventError);
  const error = caught as UnserializableEventError;
  expect(error.code).to.equal('TESSERA_UNSERIALIZABLE_EVENT');
  return error;
}

function deserializationError(
  eventType: string,
  payload: unknown,
  location?: Parameters<EventSerializer['deserialize']>[2],
): unknown {
  try {
    serializer.deserialize(eventType, payload, location);
  } catch (error) {
    return error;
  }
  return expect.fail('deserialize should throw');
}

describe('EventSerializer', () => {
  describe('serialize then deserialize', () => {
    it('gives back a deep-equal instance of the same classes', () => {
      const event = sampleOrder();
      const back = roundTrip(event);
      expect(isDeepStrictEqual(back, event), 'util.isDeepStrictEqual').to.equal(true);
      expect(back).to.be.instanceOf(OrderPlaced);
    });

    it('keeps a Date a Date at millisecond precision', () => {
      const back = roundTrip(sampleOrder());
      expect(back.placedAt).to.be.instanceOf(Date);
      expect(back.placedAt.toISOString()).to.equal('2026-03-04T05:06:07.089Z');
    });

    it('rebuilds nested value objects, including arrays of them, as class instances', () => {
      const back = roundTrip(sampleOrder());
      expect(back.owner).to.be.instanceOf(Owner);
      expect(back.lines).to.have.length(2);
      for (const line of back.lines) {
        expect(line).to.be.instanceOf(Line);
        expect(line.price).to.be.instanceOf(Money);
      }
      expect(back.lines[1].price.amount).to.equal('0.000000001');
    });

    it('keeps a bigint with @BigIntProperty exact beyond 2^53, stored as a decimal string', () => {
      const event = sampleOrder({ sequence: -(2n ** 100n) - 7n });
      const serialized = serializer.serialize(event);
      expect((JSON.parse(serialized.json) as OrderPlacedJson).sequence).to.equal(
        '-1267650600228229401496703205383',
      );
      expect(roundTrip(event).sequence).to.equal(-(2n ** 100n) - 7n);
    });

    it('keeps decimal strings and unicode text exactly', () => {
      const back = roundTrip(sampleOrder());
      expect(back.total).to.equal('123456789012345678901234567890.123456789');
      expect(back.note).to.equal('Grüße 🌍 — “quoted” \\ back\nslash 日本語');
      expect(back.owner.name).to.equal('Zoë');
    });

    it('produces valid JSON text of a plain object', () => {
      const serialized = serializer.serialize(sampleOrder());
      const parsed = JSON.parse(serialized.json) as OrderPlacedJson;
      expect(parsed).to.be.an('object');
      expect(parsed.placedAt).to.equal('2026-03-04T05:06:07.089Z');
      expect(parsed.owner).to.deep.equal({ name: 'Zoë', email: 'zoe@example.com' });
    });

    it('round-trips an event without properties', () => {
      const back = roundTrip(new Minimal());
      expect(back).to.be.instanceOf(Minimal);
      expect(isDeepStrictEqual(back, new Minimal())).to.equal(true);
    });

    it('reports the registered name and the @DomainEvent schema version', () => {
      const serialized = serializer.serialize(sampleOrder());
      expect(serialized.eventType).to.equal('Test.Serializer.OrderPlaced');
      expect(serialized.schemaVersion).to.equal(4);
      expect(serializer.serialize(new Minimal()).schemaVersion).to.equal(1);
    });
  });

  describe('serialize', () => {
    const cases: Array<{ what: string; event: () => object; path: string; reason: RegExp }> = [
      { what: 'NaN', event: () => new Anything(Number.NaN), path: 'value', reason: /NaN/ },
      {
        what: 'Infinity',
        event: () => new Anything(Number.POSITIVE_INFINITY),
        path: 'value',
        reason: /Infinity/,
      },
      {
        what: '-Infinity',
        event: () => new Anything(Number.NEGATIVE_INFINITY),
        path: 'value',
        reason: /-Infinity/,
      },
      { what: 'a function', event: () => new Anything(() => 1), path: 'value', reason: /function/ },
      { what: 'a symbol', event: () => new Anything(Symbol('s')), path: 'value', reason: /symbol/ },
      {
        what: 'an invalid Date',
        event: () => new Anything(new Date('nope')),
        path: 'value',
        reason: /invalid Date/,
      },
      {
        what: 'a Map',
        event: () => new Anything(new Map([['a', 1]])),
        path: 'value',
        reason: /Map/,
      },
      { what: 'a Set', event: () => new Anything(new Set([1])), path: 'value', reason: /Set/ },
      {
        what: 'a NUL character in a string',
        event: () => new Anything('a\u0000b'),
        path: 'value',
        reason: /NUL/,
      },
      {
        what: 'a NUL character in a key',
        event: () => new Anything({ 'k\u0000': 1 }),
        path: 'value',
        reason: /NUL/,
      },
      {
        what: 'NaN deep inside an object',
        event: () => new Nested(Number.NaN),
        path: 'inner.deeper',
        reason: /NaN/,
      },
      {
        what: 'NaN inside an array',
        event: () => new Anything([1, 2, Number.NaN]),
        path: 'value.2',
        reason: /NaN/,
      },
    ];
    for (const c of cases) {
      it(`rejects ${c.what} with UnserializableEventError at path "${c.path}"`, () => {
        const error = serializationError(c.event());
        expect(error.path).to.equal(c.path);
        expect(error.reason).to.match(c.reason);
        expect(error.eventType).to.match(/^Test\.Serializer\./);
      });
    }

    it('refuses bad keys however many good keys it has seen and remembered', () => {
      // More distinct good keys than are remembered, so the memory is emptied on the way.
      const many = Object.fromEntries(Array.from({ length: 10_050 }, (_, i) => [`k${i}`, i]));
      expect(() => roundTrip(new Anything(many))).not.to.throw();
      expect(() => roundTrip(new Anything(many))).not.to.throw();
      for (const key of ['k\u0000', '\uD800k', 'k\uDC00']) {
        expect(serializationError(new Anything({ [key]: 1 })).path).to.equal('value');
        expect(serializationError(new Anything({ [key]: 1 })).path).to.equal('value');
      }
    });

    it("keeps no long key alive once its event is gone, not even a refused payload's", () => {
      // Keys free of bad characters are remembered; keys made of data must not pin memory.
      setFlagsFromString('--expose-gc');
      const gc = runInNewContext('gc') as () => void;
      gc();
      const before = process.memoryUsage().heapUsed;
      for (let i = 0; i < 40; i++) {
        // A 1.1 MB key: over the 1 MiB payload limit, so the event is refused after its walk.
        const key = `${i}:${'x'.repeat(1_100_000)}`;
        expect(serializationError(new Anything({ [key]: 1 })).reason).to.match(/over the limit/);
      }
      gc();
      gc();
      const retainedMb = (process.memoryUsage().heapUsed - before) / 1e6;
      expect(retainedMb, `${retainedMb.toFixed(1)} MB retained`).to.be.below(10);
    });

    it('rejects a cycle with UnserializableEventError at the path that closes it', () => {
      const node: { self?: unknown } = {};
      node.self = node;
      const error = serializationError(new Anything(node));
      expect(error.path).to.equal('value.self');
      expect(error.reason).to.match(/circular/);
    });

    it('accepts the same object referenced twice when it is not a cycle', () => {
      const shared = { n: 1 };
      const back = roundTrip(new Anything([shared, shared]));
      expect(back.value).to.deep.equal([{ n: 1 }, { n: 1 }]);
    });

    it('rejects a bigint without @BigIntProperty with UnserializableEventError', () => {
      const error = serializationError(new RawBigInt(5n));
      expect(error.reason).to.match(/@BigIntProperty/);
      // NOTE: the path is '' here (the failure is caught from JSON.stringify), not 'big'. See report.
      expect(error.path).to.be.a('string');
    });

    it('reports the path of a bigint without @BigIntProperty', () => {
      // assertJsonSafe() returns silently for bigint values; the error comes later from
      // JSON.stringify with an empty path. Proposed fix in src/domain/event-serializer.ts.
      expect(serializationError(new RawBigInt(5n)).path).to.equal('big');
    });

    it('rejects a payload over maxPayloadBytes, counting UTF-8 bytes', () => {
      const small = new EventSerializer({ maxPayloadBytes: 64 });
      // {"value":"ééé..."}: 12 bytes of frame + 2 bytes per 'é'.
      expect(() => small.serialize(new Anything('é'.repeat(26)))).to.not.throw();
      const error = serializationError(new Anything('é'.repeat(27)), small);
      expect(error.path).to.equal('');
      expect(error.reason).to.match(/66 bytes, over the limit of 64/);
    });

    it('refuses a maxPayloadBytes below 2 or not an integer', () => {
      expect(() => new EventSerializer({ maxPayloadBytes: 1 })).to.throw(TypeError);
      expect(() => new EventSerializer({ maxPayloadBytes: 10.5 })).to.throw(TypeError);
    });

    it('rejects an instance of an unregistered class with UnregisteredEventError', () => {
      class Stranger {}
      expect(() => serializer.serialize(new Stranger())).to.throw(UnregisteredEventError);
    });
  });

  describe('deserialize', () => {
    const valid = () => JSON.parse(serializer.serialize(sampleOrder()).json) as OrderPlacedJson;

    it('rejects an unknown event type with UnknownEventTypeError carrying the location', () => {
      const location = {
        aggregateId: '00000000-0000-4000-8000-000000000001',
        aggregateType: 'Order',
        version: 7,
      };
      const error = deserializationError('Test.Serializer.NoSuchEvent', {}, location);
      expect(error).to.be.instanceOf(UnknownEventTypeError);
      expect(error).to.include({
        code: 'TESSERA_UNKNOWN_EVENT_TYPE',
        eventType: 'Test.Serializer.NoSuchEvent',
      });
      expect((error as UnknownEventTypeError).location).to.deep.equal(location);
    });

    it('rejects an invalid payload with InvalidEventError listing every failed constraint by nested path', () => {
      const payload = valid();
      payload.note = '';
      payload.placedAt = 'not a date';
      payload.owner.email = 'not-an-email';
      payload.owner.name = 42;
      payload.lines[1].quantity = 0;
      payload.lines[0].price.currency = 'EURO';
      const error = deserializationError('Test.Serializer.OrderPlaced', payload);
      expect(error).to.be.instanceOf(InvalidEventError);
      const invalid = error as InvalidEventError;
      expect(invalid.code).to.equal('TESSERA_INVALID_EVENT');
      expect(invalid.eventType).to.equal('Test.Serializer.OrderPlaced');
      expect(invalid.location).to.equal(undefined);
      const byPath = Object.fromEntries(
        invalid.violations.map((v) => [v.property, Object.keys(v.constraints).sort()]),
      );
      expect(byPath).to.deep.equal({
        note: ['isLength'],
        placedAt: ['isDate'],
        'owner.name': ['isLength', 'isString'],
        'owner.email': ['isEmail'],
        'lines.0.price.currency': ['isLength'],
        'lines.1.quantity': ['min'],
      });
      expect(invalid.message).to.include('owner.email').and.include('lines.1.quantity');
    });

    it('puts the stored location into the InvalidEventError and its message', () => {
      const payload = valid();
      payload.owner.email = 'nope';
      const location = {
        aggregateId: '00000000-0000-4000-8000-000000000002',
        aggregateType: 'Order',
        version: 12,
      };
      const error = deserializationError(
        'Test.Serializer.OrderPlaced',
        payload,
        location,
      ) as InvalidEventError;
      expect(error).to.be.instanceOf(InvalidEventError);
      expect(error.location).to.deep.equal(location);
      expect(error.message)
        .to.include('00000000-0000-4000-8000-000000000002')
        .and.include('version 12');
    });

    it('rejects a missing nested value object', () => {
      const { lines: _lines, ...payload } = valid();
      const error = deserializationError(
        'Test.Serializer.OrderPlaced',
        payload,
      ) as InvalidEventError;
      expect(error).to.be.instanceOf(InvalidEventError);
      expect(error.violations.map((v) => v.property)).to.include('lines');
    });

    for (const payload of [null, 'text', 42, true, [], [{ note: 'x' }]]) {
      it(`rejects the non-object payload ${JSON.stringify(payload)}`, () => {
        const error = deserializationError('Test.Serializer.Minimal', payload);
        expect(error).to.be.instanceOf(Error);
        expect((error as { code?: string }).code).to.match(/^TESSERA_/);
        expect((error as Error).message).to.match(/must be a JSON object/);
        expect(error).to.be.instanceOf(InvalidEventError);
      });
    }
  });
});
