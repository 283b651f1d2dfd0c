import { expect } from 'chai';
import {
  Aggregate,
  AggregateRoot,
  aggregateTypeName,
  Apply,
  DomainEvent,
  registerUpcaster,
  RegistrationError,
  TesseraError,
} from '../../src/domain';
import { EventRegistry, eventRegistry } from '../../src/domain/codec/event-registry';

/* Classes are declared inside the tests so that a decorator error is thrown where we can catch it. */

function expectRegistrationError(declare: () => unknown, message?: RegExp): RegistrationError {
  let caught: unknown;
  try {
    declare();
  } catch (error) {
    caught = error;
  }
  expect(caught, 'the declaration should throw').to.be.instanceOf(RegistrationError);
  const error = caught as RegistrationError;
  expect(error).to.be.instanceOf(TesseraError);
  expect(error.code).to.equal('TESSERA_REGISTRATION');
  expect(error.name).to.equal('RegistrationError');
  if (message) expect(error.message).to.match(message);
  return error;
}

describe('@DomainEvent', () => {
  it('registers the class under its name with version 1 by default', () => {
    @DomainEvent('Test.Registry.Registered')
    class Registered {}
    const info = eventRegistry.findByName('Test.Registry.Registered');
    expect(info).to.deep.equal({
      name: 'Test.Registry.Registered',
      version: 1,
      type: Registered,
      definedIn: __filename,
    });
    expect(eventRegistry.findByClass(Registered)).to.equal(info);
    expect(eventRegistry.infoOf(new Registered())).to.equal(info);
  });

  it('records the schema version given in the options', () => {
    @DomainEvent('Test.Registry.Versioned', { version: 3 })
    class Versioned {}
    expect(eventRegistry.findByClass(Versioned)?.version).to.equal(3);
    // Version 3 needs a chain from 1 for repositories of this process to start.
    for (const fromVersion of [1, 2]) {
      registerUpcaster({ type: 'Test.Registry.Versioned', fromVersion, upcast: (p) => p });
    }
  });

  it('rejects a duplicate name at decoration time with RegistrationError', () => {
    @DomainEvent('Test.Registry.Duplicate')
    class First {}
    expectRegistrationError(() => {
      @DomainEvent('Test.Registry.Duplicate')
      class Second {}
      return Second;
    }, /"Test\.Registry\.Duplicate" is already used by class First/);
    expect(eventRegistry.findByName('Test.Registry.Duplicate')?.type).to.equal(First);
  });

  it('rejects registering the same class under a second name', () => {
    @DomainEvent('Test.Registry.Twice')
    class Twice {}
    expectRegistrationError(
      () => DomainEvent('Test.Registry.TwiceAgain')(Twice),
      /already registered/,
    );
    expect(eventRegistry.findByName('Test.Registry.TwiceAgain')).to.equal(undefined);
  });

  for (const bad of [
    '',
    '1Starts.With.Digit',
    'has space',
    'semi;colon',
    'x'.repeat(256),
    '.dot',
  ]) {
    it(`rejects the invalid name ${JSON.stringify(bad.length > 20 ? `${bad.slice(0, 10)}… (${bad.length} chars)` : bad)}`, () => {
      expectRegistrationError(() => {
        @DomainEvent(bad)
        class Bad {}
        return Bad;
      }, /invalid/);
      expect(eventRegistry.findByName(bad)).to.equal(undefined);
    });
  }

  it('accepts a name of exactly 255 characters', () => {
    const name = `T${'x'.repeat(254)}`;
    @DomainEvent(name)
    class Long {}
    expect(eventRegistry.findByClass(Long)?.name).to.equal(name);
  });

  for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
    it(`rejects the invalid version ${bad}`, () => {
      const name = `Test.Registry.BadVersion${String(bad).replace(/[^A-Za-z0-9]/g, '_')}`;
      expectRegistrationError(() => {
        @DomainEvent(name, { version: bad })
        class Bad {}
        return Bad;
      }, /version must be a positive integer/);
      expect(eventRegistry.findByName(name)).to.equal(
        undefined,
        'a rejected event is not half-registered',
      );
    });
  }
});

describe('EventRegistry', () => {
  it('keeps separate instances independent of the process-wide registry', () => {
    class Local {}
    const registry = new EventRegistry();
    registry.register(Local, 'Test.Registry.Local', 2);
    expect(registry.infoOf(new Local()).version).to.equal(2);
    expect(eventRegistry.findByClass(Local)).to.equal(undefined);
  });
});

describe('@Aggregate', () => {
  it('gives the class its stable type name', () => {
    @Aggregate('Test.Registry.Named')
    class Named extends AggregateRoot {}
    expect(aggregateTypeName(Named)).to.equal('Test.Registry.Named');
  });

  it('rejects a duplicate aggregate name on another class', () => {
    @Aggregate('Test.Registry.DupAggregate')
    class FirstAggregate extends AggregateRoot {}
    expectRegistrationError(() => {
      @Aggregate('Test.Registry.DupAggregate')
      class SecondAggregate extends AggregateRoot {}
      return SecondAggregate;
    }, /already used by FirstAggregate/);
    expect(aggregateTypeName(FirstAggregate)).to.equal('Test.Registry.DupAggregate');
  });

  for (const bad of ['', '9Lives', 'with space', 'x'.repeat(256)]) {
    it(`rejects the invalid aggregate name ${JSON.stringify(bad.length > 20 ? `${bad.slice(0, 10)}…` : bad)}`, () => {
      expectRegistrationError(() => {
        @Aggregate(bad)
        class Bad extends AggregateRoot {}
        return Bad;
      }, /invalid/);
    });
  }
});

describe('aggregateTypeName', () => {
  it('throws RegistrationError for a class that was never decorated', () => {
    class Undecorated extends AggregateRoot {}
    expectRegistrationError(
      () => aggregateTypeName(Undecorated),
      /Undecorated has no aggregate type name/,
    );
  });

  it("does not give a subclass its base class's name", () => {
    @Aggregate('Test.Registry.Base')
    class Base extends AggregateRoot {}
    class Derived extends Base {}
    expect(aggregateTypeName(Base)).to.equal('Test.Registry.Base');
    expectRegistrationError(() => aggregateTypeName(Derived));
  });
});

describe('@Apply', () => {
  @DomainEvent('Test.Registry.Happened')
  class Happened {}

  it('rejects a second handler for the same event on the same class', () => {
    expectRegistrationError(() => {
      class Twice extends AggregateRoot {
        @Apply(Happened) protected first(): void {}
        @Apply(Happened) protected second(): void {}
      }
      return Twice;
    }, /Happened already has the handler first on Twice; second would be a second one/);
  });

  it('allows a subclass to declare its own handler for an event its base handles', () => {
    class Base extends AggregateRoot {
      @Apply(Happened) protected onBase(): void {}
    }
    expect(() => {
      class Derived extends Base {
        @Apply(Happened) protected onDerived(): void {}
      }
      return Derived;
    }).to.not.throw();
  });

  it('rejects an undefined event class (e.g. from a circular import)', () => {
    expectRegistrationError(() => {
      class Circular extends AggregateRoot {
        @Apply(undefined as unknown as new () => object) protected on(): void {}
      }
      return Circular;
    }, /needs an event class/);
  });
});
