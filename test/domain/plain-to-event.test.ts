import { expect } from 'chai';
import { Exclude, Expose, plainToInstance, Transform, Type } from 'class-transformer';
import fc from 'fast-check';
import { inspect } from 'node:util';
import { plainToEvent } from '../../src/domain/codec/plain-to-event';

class Base {
  inherited(): string {
    return 'base';
  }
}

/** Every kind of prototype member class-transformer treats specially, and plain fields. */
class Shipped extends Base {
  amount = 0;
  note?: string;
  #secret = 's';
  handler = (): string => 'field function';
  get label(): string {
    return `label ${this.amount}`;
  }
  get mood(): string {
    return this.#secret;
  }
  set mood(value: string) {
    this.#secret = `set ${value}`;
  }
  describe(): string {
    return 'method';
  }
}

const KEYS = [
  'amount',
  'note',
  'label',
  'mood',
  'describe',
  'inherited',
  'handler',
  'extra',
  '__proto__',
  'constructor',
  'toString',
];

/** What a test can compare: own properties, what the getters read, and the prototype. */
function observed(event: Shipped): unknown {
  return {
    own: Object.fromEntries(
      Object.entries(event).map(([key, value]) => [
        key,
        typeof value === 'function' ? `function: ${String(value())}` : value,
      ]),
    ),
    mood: event.mood,
    label: event.label,
    prototype: Object.getPrototypeOf(event) === Shipped.prototype,
    describe: typeof event.describe === 'function' ? event.describe() : event.describe,
    inherited: typeof event.inherited === 'function' ? event.inherited() : event.inherited,
  };
}

/** True when some object inside `value` has a key that `Object.prototype` also has. */
function hasPrototypeKey(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false;
  return Object.entries(value).some(([key, inner]) => key in {} || hasPrototypeKey(inner));
}

describe('plainToEvent (the replay fast path of plainToInstance)', () => {
  it("builds what class-transformer's plainToInstance builds, for any JSON payload", () => {
    // Nested values are kept as parsed; see the next test for the one place that differs.
    const nested = fc.jsonValue().filter((value) => !hasPrototypeKey(value));
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...KEYS), nested), (entries) => {
        // Parsed from text, as payloads are: "__proto__" is then an own key.
        const text = JSON.stringify(entries);
        const fast = plainToEvent(Shipped, JSON.parse(text) as Record<string, unknown>);
        const reference = plainToInstance(Shipped, JSON.parse(text) as object);
        expect(observed(fast)).to.deep.equal(observed(reference));
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps nested keys named like Object.prototype members, which plainToInstance drops', () => {
    const text = '{"amount": {"valueOf": "", "toString": 1, "cents": 5}}';
    const fast = plainToEvent(Shipped, JSON.parse(text) as Record<string, unknown>);
    const reference = plainToInstance(Shipped, JSON.parse(text) as object);
    // The event as it was raised and stored: replay gives back what was written.
    expect({ ...(fast.amount as unknown as object) }).to.deep.equal({
      valueOf: '',
      toString: 1,
      cents: 5,
    });
    expect({ ...(reference.amount as unknown as object) }).to.deep.equal({ cents: 5 });
  });

  it('gives the same answer for a class on its second use as on its first', () => {
    const payload = { amount: 3, mood: 'calm', label: 'ignored', describe: 'ignored' };
    const first = observed(plainToEvent(Shipped, { ...payload }));
    const second = observed(plainToEvent(Shipped, { ...payload }));
    expect(second).to.deep.equal(first);
    expect(first).to.deep.include({ mood: 'set calm', label: 'label 3', describe: 'method' });
  });
});

class Inner {
  name = '';
  note?: unknown;
  get shout(): string {
    return `${this.name}!`;
  }
  describe(): string {
    return 'inner';
  }
}

class Tree {
  label?: unknown;
  @Type(() => Tree) children?: Tree[];
}

/** Every `@Type` shape the fast path builds itself, and untyped neighbours. */
class Typed extends Base {
  @Type(() => Date) at?: Date;
  @Type(() => Date) dates?: Date[];
  @Type(() => Inner) inner?: Inner;
  @Type(() => Inner) inners?: Inner[];
  @Type(() => Tree) tree?: Tree;
  plain?: unknown;
  describe(): string {
    return 'typed';
  }
}

/** The value objects a payload may hold, and what a fast build must make of them. */
function shape(value: unknown): unknown {
  if (value instanceof Date) {
    return { date: Number.isNaN(value.getTime()) ? 'invalid' : value.getTime() };
  }
  if (typeof value === 'function') return 'function';
  if (Array.isArray(value)) return value.map(shape);
  if (value === null || typeof value !== 'object') return value;
  const prototype = Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null;
  return {
    class: prototype?.constructor?.name ?? null,
    own: Object.entries(value).map(([key, inner]) => [key, shape(inner)]),
    ...(value instanceof Inner ? { shout: value.shout, describe: shape(value.describe) } : {}),
  };
}

describe('plainToEvent with @Type(() => Date) and @Type(() => ValueObject)', () => {
  const untyped = fc.jsonValue({ maxDepth: 2 }).filter((value) => !hasPrototypeKey(value));
  const dateLike = fc.oneof(
    fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
    fc.integer(),
    fc.string(),
    fc.boolean(),
    fc.constant(null),
    fc.constant({}),
    fc.constant([[]]),
  );
  const innerKeys = fc.constantFrom('name', 'note', 'shout', 'describe', 'toString', '__proto__');
  const inner = fc.oneof(
    fc.dictionary(innerKeys, untyped, { maxKeys: 4 }),
    fc.string(),
    fc.constant(null),
    fc.constant([1]),
  );
  const tree = fc.letrec((tie) => ({
    node: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.record(
        { label: untyped, children: fc.array(tie('node'), { maxLength: 3 }) },
        { requiredKeys: [] },
      ),
      fc.constant(null),
    ),
  })).node;
  const payload = fc.record(
    {
      at: dateLike,
      dates: fc.oneof(fc.array(dateLike, { maxLength: 3 }), dateLike),
      inner,
      inners: fc.oneof(fc.array(inner, { maxLength: 3 }), inner),
      tree,
      plain: untyped,
      describe: untyped,
      inherited: untyped,
      constructor: untyped,
    },
    { requiredKeys: [] },
  );

  it("builds what class-transformer's plainToInstance builds, for any payload of these shapes", () => {
    let built = 0;
    let handedOver = 0;
    fc.assert(
      fc.property(payload, (entries) => {
        const text = JSON.stringify(entries);
        const parsed = JSON.parse(text) as Record<string, unknown>;
        const fast = plainToEvent(Typed, parsed);
        const reference = plainToInstance(Typed, JSON.parse(text) as object);
        expect(shape(fast)).to.deep.equal(shape(reference));
        // An untyped object is shared with the payload when built here, copied by
        // class-transformer: which of the two built it shows.
        if (typeof parsed.plain === 'object' && parsed.plain !== null) {
          if (fast.plain === parsed.plain) built += 1;
          else handedOver += 1;
        }
      }),
      { numRuns: 2000 },
    );
    // Both paths were exercised: most payloads are built here, the odd shapes handed over.
    expect(built, 'built on the fast path').to.be.greaterThan(200);
    expect(handedOver, 'handed to class-transformer').to.be.greaterThan(20);
  });

  it('builds a Date, a value object and arrays of both without class-transformer', () => {
    const parsed = JSON.parse(
      '{"at": "2026-11-30T12:00:00.000Z", "dates": ["2026-01-01T00:00:00.000Z", 0], ' +
        '"inner": {"name": "ada"}, "inners": [{"name": "b"}, null], ' +
        '"tree": {"children": [{"label": 1, "children": []}]}, "plain": {"k": 1}}',
    ) as Record<string, unknown>;
    const event = plainToEvent(Typed, parsed);
    expect(event.plain).to.equal(parsed.plain);
    expect(event.at).to.be.instanceOf(Date);
    expect(event.at?.toISOString()).to.equal('2026-11-30T12:00:00.000Z');
    expect(event.dates?.map((d) => d.getTime())).to.deep.equal([Date.UTC(2026, 0, 1), 0]);
    expect(event.inner).to.be.instanceOf(Inner);
    expect(event.inner?.shout).to.equal('ada!');
    expect(event.inners?.[0]).to.be.instanceOf(Inner);
    expect(event.inners?.[1]).to.equal(null);
    expect(event.tree?.children?.[0]).to.be.instanceOf(Tree);
  });

  it('hands @Expose, an option-reading type, a discriminator and a Map property to class-transformer', () => {
    class Renamed {
      @Type(() => Date) at?: Date;
      @Expose({ name: 'when' }) later?: string;
    }
    class Chosen {
      @Type((options) =>
        (options?.object as { kind?: string } | undefined)?.kind === 'd' ? Date : Inner,
      )
      value?: unknown;
      kind?: string;
    }
    class Shape {
      kind?: string;
    }
    class Square extends Shape {
      side?: number;
    }
    class Drawn {
      @Type(() => Shape, {
        discriminator: { property: 'kind', subTypes: [{ value: Square, name: 'square' }] },
        keepDiscriminatorProperty: true,
      })
      shape?: Shape;
    }
    class Indexed {
      @Type(() => Inner) byName?: Map<string, Inner>;
    }
    for (const [type, text] of [
      [Renamed, '{"at": "2026-11-30T00:00:00.000Z", "when": "x", "plain": {"k": 1}}'],
      [Chosen, '{"value": "2026-11-30T00:00:00.000Z", "kind": "d", "plain": {"k": 1}}'],
      [Drawn, '{"shape": {"kind": "square", "side": 2}, "plain": {"k": 1}}'],
      [Indexed, '{"byName": {"a": {"name": "x"}}, "plain": {"k": 1}}'],
    ] as const) {
      const parsed = JSON.parse(text) as Record<string, unknown>;
      const cls = type as new () => object;
      const fast = plainToEvent(cls, parsed) as Record<string, unknown>;
      expect(fast.plain, type.name).not.to.equal(parsed.plain);
      expect(shape(fast)).to.deep.equal(shape(plainToInstance(cls, JSON.parse(text) as object)));
    }
  });
});

/** Builds `text` both ways and compares everything, hidden properties and classes included. */
function builtAlike<T extends object>(type: new () => T, text: string): T {
  const fast = plainToEvent(type, JSON.parse(text) as Record<string, unknown>);
  const reference = plainToInstance(type, JSON.parse(text) as object);
  const look = (value: unknown): string => inspect(value, { depth: 10, showHidden: true });
  expect(look(fast)).to.equal(look(reference));
  return fast;
}

describe('plainToEvent hands to class-transformer what it does not build exactly', () => {
  it('a value object with @Transform or @Exclude, also inside a cycle', () => {
    class Money {
      @Transform(({ value }) => Number(value)) cents?: number;
      @Exclude() secret?: string;
    }
    class Priced {
      @Type(() => Money) price?: Money;
    }
    builtAlike(Priced, '{"price": {"cents": "12", "secret": "s"}}');
    class A {
      @Type(() => B) b?: unknown;
    }
    class B {
      @Type(() => A) a?: A;
      @Transform(({ value }) => `t:${String(value)}`) s?: string;
    }
    builtAlike(A, '{"b": {"s": "x", "a": {}}}');
    builtAlike(B, '{"s": "y"}');
    // First used from the class with @Transform: its partner was worked out assuming it fast.
    class C {
      @Type(() => D) d?: unknown;
      @Transform(({ value }) => `t:${String(value)}`) s?: string;
    }
    class D {
      @Type(() => C) c?: C;
    }
    builtAlike(C, '{"s": "x"}');
    builtAlike(D, '{"c": {"s": "y"}}');
  });

  it('@Type(() => Number), String, Boolean and Map, a Map subclass, and a Set property', () => {
    class Converted {
      @Type(() => Number) n?: number;
      @Type(() => String) s?: string;
      @Type(() => Boolean) b?: boolean;
      @Type(() => Map) totals?: Record<string, number>;
    }
    builtAlike(Converted, '{"n": "5", "s": 7, "b": 1, "totals": {"a": 1}}');
    class Registry extends Map<string, unknown> {}
    class Registered {
      @Type(() => Registry) registry?: Registry;
    }
    expect(builtAlike(Registered, '{"registry": {"a": 1, "b": 2}}').registry?.size).to.equal(2);
    class Tagged {
      @Type(() => Inner) tags?: Set<Inner>;
    }
    expect(builtAlike(Tagged, '{"tags": [{"name": "x"}]}').tags).to.be.instanceOf(Set);
  });

  it('a type function that looks at its options, however it declares them', () => {
    class A {
      a?: number;
    }
    class B {
      b?: number;
    }
    type Options = { object?: { kind?: string } } | undefined;
    const pick = (options: Options): typeof A | typeof B => (options?.object?.kind === 'b' ? B : A);
    class Rest {
      @Type((...args: unknown[]) => pick(args[0] as Options)) value?: A | B;
      kind?: string;
    }
    class Defaulted {
      @Type((options: Options = undefined) => pick(options)) value?: A | B;
      kind?: string;
    }
    class Arguments {
      @Type(function () {
        // eslint-disable-next-line prefer-rest-params -- the case under test
        return pick(arguments[0] as Options);
      })
      value?: A | B;
      kind?: string;
    }
    class Caught {
      @Type((options?: Options) => {
        try {
          return pick(options);
        } catch {
          return A;
        }
      })
      value?: A | B;
      kind?: string;
    }
    for (const type of [Rest, Defaulted, Arguments, Caught]) {
      const built = builtAlike(type, '{"kind": "b", "value": {"b": 1}}');
      expect(built.value, type.name).to.be.instanceOf(B);
    }
  });

  it('a type function that names no class fails only where class-transformer fails', () => {
    const make = (): object => ({});
    class Made {
      @Type(() => make) value?: unknown;
      name?: string;
    }
    expect(builtAlike(Made, '{"name": "x"}').name).to.equal('x');
  });

  it('decides before building: a setter sees the payload once when it does not fit', () => {
    class Logged {
      private seen: string[] = [];
      get log(): string[] {
        return this.seen;
      }
      set log(value: string[]) {
        value.push('seen');
        this.seen = value;
      }
      @Type(() => Date) at?: Date;
    }
    // A boolean Date does not fit: class-transformer builds this one, and only it.
    expect(builtAlike(Logged, '{"log": ["a"], "at": true}').log).to.deep.equal(['a', 'seen']);
  });

  it('works a class out once on first use, however many paths lead to it', () => {
    let calls = 0;
    const levels: Array<new () => object> = [];
    for (let level = 18; level >= 0; level--) {
      const next = levels[0];
      class Level {
        x?: unknown;
        y?: unknown;
      }
      if (next) {
        for (const key of ['x', 'y']) {
          Type(() => {
            calls += 1;
            return next;
          })(Level.prototype, key);
        }
      }
      levels.unshift(Level);
    }
    plainToEvent(levels[0], { x: { y: {} } });
    // Two type functions per level, each asked once (a walk per path asked 786,428 times).
    expect(calls).to.be.at.most(2 * 18);
    builtAlike(levels[0], '{"x": {"y": {}}}');
  });
});
