import { expect } from 'chai';
import { plainToInstance } from 'class-transformer';
import fc from 'fast-check';
import { plainToEvent } from '../../src/domain/plain-to-event';

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
