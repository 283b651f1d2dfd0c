import { expect } from 'chai';
import {
  Allow,
  getMetadataStorage,
  IsDefined,
  IsEmail,
  IsInt,
  IsOptional,
  IsPositive,
  IsString,
  Length,
  Min,
  useContainer,
  ValidateIf,
  ValidateNested,
  ValidatePromise,
  ValidatorConstraint,
  Validate,
  validateSync,
  type ValidationArguments,
  type ValidatorConstraintInterface,
} from 'class-validator';
import fc from 'fast-check';
import { assertValidEvent, isValid } from '../../src/domain/codec/event-validator';
import {
  createValidityCheck,
  type ConstraintMetadataLike,
} from '../../src/domain/codec/validity-check';
import { InvalidEventError } from '../../src';

/** Passes only when class-validator's arguments reach the constraint as class-validator sends them. */
@ValidatorConstraint({ name: 'argumentsArrive' })
class ArgumentsArrive implements ValidatorConstraintInterface {
  validate(value: unknown, args?: ValidationArguments): boolean {
    if (!args) return false;
    const object = args.object as Record<string, unknown>;
    return (
      args.constraints[0] === 7 &&
      args.targetName === object.constructor.name &&
      args.property === 'echo' &&
      args.value === value &&
      object.echo === value
    );
  }
}

class Inner {
  @IsString() @Length(1, 5) name: unknown;
  @IsOptional() @IsInt() n: unknown;
}

class Sample {
  @IsInt() @Min(0) count: unknown;
  @IsOptional() @IsEmail() email: unknown;
  @ValidateIf((o: Sample) => typeof o.count === 'number' && o.count > 3) @IsString() label: unknown;
  @IsDefined() required: unknown;
  @IsString({ each: true }) tags: unknown;
  @ValidateNested() inner: unknown;
  @ValidateNested({ each: true }) list: unknown;
  @Allow() free: unknown;
  @Validate(ArgumentsArrive, [7]) echo: unknown;
}

class Derived extends Sample {
  @IsPositive() extra: unknown;
}

@ValidatorConstraint({ name: 'slowYes', async: true })
class SlowYes implements ValidatorConstraintInterface {
  validate(): Promise<boolean> {
    return Promise.resolve(false);
  }
}

@ValidatorConstraint({ name: 'promiseAnyway' })
class PromiseAnyway implements ValidatorConstraintInterface {
  validate(): boolean {
    return Promise.resolve(false) as unknown as boolean;
  }
}

class WithAsync {
  @Validate(SlowYes) @IsInt() value: unknown = 1;
}

class WithPromiseResult {
  @Validate(PromiseAnyway) value: unknown = 1;
}

class WithValidatePromise {
  @ValidatePromise() @IsInt() value: unknown = 1;
}

const OPTIONS = { forbidUnknownValues: false } as const;
const classValidatorSaysValid = (object: object): boolean =>
  validateSync(object, OPTIONS).length === 0;

function inner(name: unknown, n: unknown): Inner {
  const value = new Inner();
  value.name = name;
  value.n = n;
  return value;
}

const leaf = fc.oneof(
  fc.integer({ min: -3, max: 9 }),
  fc.double({ noNaN: false }),
  fc.string({ maxLength: 7 }),
  fc.constantFrom('a@b.co', 'not-an-email', '', 'abc'),
  fc.constant(undefined),
  fc.constant(null),
  fc.boolean(),
);
const innerValue = fc.tuple(leaf, leaf).map(([name, n]) => inner(name, n));
const value: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: leaf },
  { weight: 2, arbitrary: innerValue },
  fc.array(fc.oneof(leaf, innerValue), { maxLength: 3 }),
  fc.array(fc.oneof(leaf, innerValue), { maxLength: 3 }).map((items) => new Set(items)),
  fc
    .array(fc.oneof(leaf, innerValue), { maxLength: 3 })
    .map((items) => new Map(items.map((item, i) => [`k${i}`, item]))),
  fc.dictionary(fc.constantFrom('name', 'n', 'x'), leaf, { maxKeys: 2 }),
);

function build<T extends object>(type: new () => T, props: Record<string, unknown>): T {
  return Object.assign(new type(), props);
}

// Each property is often given a value that passes, so whole objects pass often enough too.
const mostly = <T>(good: fc.Arbitrary<T>): fc.Arbitrary<unknown> =>
  fc.oneof({ weight: 3, arbitrary: good }, { weight: 1, arbitrary: value });
const sampleProps = fc.record(
  {
    count: mostly(fc.integer({ min: 0, max: 9 })),
    email: mostly(fc.constantFrom(undefined, null, 'a@b.co')),
    label: mostly(fc.string({ maxLength: 3 })),
    required: mostly(fc.constantFrom(0, '', false)),
    tags: mostly(fc.array(fc.string({ maxLength: 3 }), { maxLength: 2 })),
    inner: mostly(fc.constantFrom(undefined, inner('ab', undefined), inner('abc', 7))),
    list: mostly(fc.constant([inner('a', null), undefined])),
    free: value,
    echo: value,
    extra: mostly(fc.integer({ min: 1, max: 5 })),
  },
  { requiredKeys: [] },
);

/** A check of its own over class-validator's storage (no memo), compiled or walked. */
function ownCheck(compile: boolean): (object: object) => boolean {
  const storage = getMetadataStorage();
  return createValidityCheck(
    {
      metadataOf: (type) =>
        storage.getTargetValidationMetadatas(type as new () => object, '', false, false),
      constraintsOf: (cls) =>
        storage.getTargetValidatorConstraints(
          cls as new () => object,
        ) as unknown as ConstraintMetadataLike[],
      containerStamp: () => 0,
    },
    { compile },
  );
}

/** Checks `check` against class-validator on 2,000 generated objects. */
function agreesWithClassValidator(check: (object: object) => boolean): void {
  let valid = 0;
  fc.assert(
    fc.property(sampleProps, fc.boolean(), (props, derived) => {
      const object = derived ? build(Derived, props) : build(Sample, props);
      const expected = classValidatorSaysValid(object);
      if (expected) valid += 1;
      expect(check(object), JSON.stringify(validateSync(object, OPTIONS))).to.equal(expected);
    }),
    { numRuns: 2000 },
  );
  // The generator must reach both answers often, or the property says little.
  expect(valid).to.be.within(100, 1900);
}

describe('validity check (fast path before class-validator)', () => {
  it('agrees with class-validator on every generated object of a decorated class', () => {
    agreesWithClassValidator(isValid);
  });

  it('agrees with class-validator when every plan is walked instead of compiled', () => {
    agreesWithClassValidator(ownCheck(false));
  });

  it('walks the plans where code cannot be generated, and still agrees', () => {
    const check = ownCheck(true);
    const generate = globalThis.Function;
    let refused = 0;
    // As under --disallow-code-generation-from-strings; only while the plans are built.
    globalThis.Function = new Proxy(generate, {
      construct() {
        refused += 1;
        throw new EvalError('Code generation from strings disallowed for this context');
      },
    });
    try {
      for (const object of [build(Sample, {}), build(Derived, {}), inner('a', 1)]) check(object);
    } finally {
      globalThis.Function = generate;
    }
    expect(refused).to.equal(3);
    agreesWithClassValidator(check);
  });

  it('agrees on objects that pass, built to pass', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 100 }),
        fc.array(fc.string({ maxLength: 4 }), { maxLength: 3 }),
        fc.string({ minLength: 1, maxLength: 5 }),
        (count, tags, name) => {
          const object = build(Sample, {
            echo: 'e',
            count,
            label: count > 3 ? 'l' : 42,
            required: 0,
            tags,
            inner: inner(name, undefined),
            list: [inner(name, 1), undefined],
          });
          expect(classValidatorSaysValid(object)).to.equal(true);
          expect(isValid(object)).to.equal(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('ignores async constraints as validateSync does', () => {
    expect(isValid(new WithAsync())).to.equal(true);
    expect(classValidatorSaysValid(new WithAsync())).to.equal(true);
    const bad = Object.assign(new WithAsync(), { value: 'x' });
    expect(isValid(bad)).to.equal(false);
  });

  it('leaves a constraint that returns a promise, and @ValidatePromise, to class-validator', () => {
    expect(isValid(new WithPromiseResult())).to.equal(false);
    expect(() => assertValidEvent(new WithPromiseResult(), 'T')).not.to.throw();
    expect(isValid(new WithValidatePromise())).to.equal(false);
    expect(() => assertValidEvent(new WithValidatePromise(), 'T')).not.to.throw();
    expect(() =>
      assertValidEvent(Object.assign(new WithValidatePromise(), { value: 'x' }), 'T'),
    ).to.throw(InvalidEventError);
  });

  it('asks the container again from the tick after a useContainer() call', async () => {
    const nextTick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
    @ValidatorConstraint({ name: 'allowedCode' })
    class AllowedCode implements ValidatorConstraintInterface {
      constructor(private readonly allowed: readonly string[] = ['a', 'b']) {}
      validate(value: unknown): boolean {
        return typeof value === 'string' && this.allowed.includes(value);
      }
    }
    class Coded {
      @Validate(AllowedCode) code: unknown = 'a';
    }
    const object = new Coded();
    expect(isValid(object)).to.equal(true);
    useContainer(
      { get: (type: unknown) => (type === AllowedCode ? new AllowedCode(['x']) : undefined) },
      { fallback: true },
    );
    try {
      await nextTick();
      expect(classValidatorSaysValid(object)).to.equal(false);
      expect(isValid(object)).to.equal(false);
      expect(() => assertValidEvent(object, 'Coded')).to.throw(InvalidEventError);
    } finally {
      // A container that knows nothing: class-validator falls back to its own.
      useContainer({ get: () => undefined }, { fallback: true });
    }
    await nextTick();
    expect(isValid(object)).to.equal(true);
  });

  describe('constraint instances from a container', () => {
    @ValidatorConstraint({ name: 'listedCode' })
    class ListedCode implements ValidatorConstraintInterface {
      constructor(readonly listed: readonly string[]) {}
      validate(value: unknown): boolean {
        return typeof value === 'string' && this.listed.includes(value);
      }
    }
    class Listed {
      @Validate(ListedCode) code: unknown = 'a';
    }
    /** A container whose answer can change without a useContainer() call (a DI container). */
    const container = {
      listed: ['a'] as readonly string[],
      asked: 0,
      get(type: unknown): unknown {
        if (type !== ListedCode) return undefined;
        container.asked += 1;
        return new ListedCode(container.listed);
      },
    };
    const nextTick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
    beforeEach(async () => {
      container.listed = ['a'];
      useContainer(container, { fallback: true });
      await nextTick();
      container.asked = 0;
    });
    afterEach(() => useContainer({ get: () => undefined }, { fallback: true }));

    it('are asked for once per tick, not once per value checked', async () => {
      const objects = Array.from({ length: 100 }, () => new Listed());
      expect(objects.every((object) => isValid(object))).to.equal(true);
      expect(container.asked).to.equal(1);
      await nextTick();
      expect(isValid(new Listed())).to.equal(true);
      expect(container.asked).to.equal(2);
    });

    it('apply from the next tick when the container changes its answer on its own', async () => {
      expect(isValid(new Listed())).to.equal(true);
      container.listed = ['b'];
      await nextTick();
      expect(classValidatorSaysValid(new Listed())).to.equal(false);
      expect(isValid(new Listed())).to.equal(false);
      expect(() => assertValidEvent(new Listed(), 'Listed')).to.throw(InvalidEventError);
    });
  });

  it('skips holes of sparse arrays where class-validator does', () => {
    @ValidatorConstraint({ name: 'short' })
    class Short implements ValidatorConstraintInterface {
      validate(value: unknown): boolean {
        return (value as string).length < 5;
      }
    }
    class Tagged {
      @Validate(Short, { each: true }) tags: unknown[] = [];
      @ValidateNested() nested: unknown[] = [];
    }
    const object = new Tagged();
    object.tags[1] = 'ab';
    object.nested[2] = inner('ok', 1);
    expect(classValidatorSaysValid(object)).to.equal(true);
    expect(isValid(object)).to.equal(true);
  });

  it('throws where class-validator throws, or leaves the object to it', () => {
    class Conditional {
      meta: { kind: string } | undefined = undefined;
      @ValidateIf((o: Conditional) => o.meta?.kind === 'x')
      @ValidateIf((o: Conditional) => (o.meta as { kind: string }).kind === 'x')
      @IsString()
      note: unknown = 1;
    }
    expect(() => validateSync(new Conditional(), OPTIONS)).to.throw(TypeError);
    expect(() => isValid(new Conditional())).to.throw(TypeError);

    class Keyed {
      @ValidateNested() byKey = new Map<unknown, Inner>([[null, inner('ok', 1)]]);
    }
    expect(() => validateSync(new Keyed(), OPTIONS)).to.throw(TypeError);
    expect(isValid(new Keyed())).to.equal(false);
    expect(() => assertValidEvent(new Keyed(), 'Keyed')).to.throw(TypeError);

    class Awkward {
      // A property that shadows Object.prototype's, typed as its method to satisfy the compiler.
      @IsString() valueOf: () => object = 'fine' as unknown as () => object;
    }
    expect(() => validateSync(new Awkward(), OPTIONS)).to.throw(TypeError);
    expect(isValid(new Awkward())).to.equal(false);
  });

  it('leaves class-validator unpatched: its storage and container functions are its own', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const container = require('class-validator/cjs/container') as Record<string, unknown>;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const storageModule = require('class-validator/cjs/metadata/MetadataStorage') as {
      MetadataStorage: { prototype: Record<string, unknown> };
    };
    const storage = getMetadataStorage() as unknown as Record<string, unknown>;
    expect(Object.prototype.hasOwnProperty.call(storage, 'addValidationMetadata')).to.equal(false);
    expect(Object.prototype.hasOwnProperty.call(storage, 'addConstraintMetadata')).to.equal(false);
    expect(storage.addValidationMetadata).to.equal(
      storageModule.MetadataStorage.prototype.addValidationMetadata,
    );
    expect(String(container.useContainer)).to.contain('userContainer');
  });
});
