import { AssertionError, deepStrictEqual } from 'node:assert';
import { isDeepStrictEqual } from 'node:util';
import { AggregateRoot, type AggregateClass } from '../domain/model/aggregate-root';
import { EventSerializer } from '../domain/codec/event-serializer';
import { snapshotPolicyOf } from '../domain/model/aggregate.decorator';
import {
  holdsPersonalData,
  replacePersonal,
  subjectOfEvent,
} from '../domain/repository/seal-batch';
import { FORGOTTEN_VALUE } from '../domain/personal-data/forgotten-value';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any error class, whatever its constructor
type ErrorClass = abstract new (...args: any[]) => Error;
type Command<T> = (aggregate: T) => void | AggregateRoot | Promise<void | AggregateRoot>;

const FIXED_ID = '00000000-0000-4000-8000-000000000001';

/**
 * Given/when/then tests for aggregates, with no database. Besides the expectations you state, every
 * run checks two things a real store would otherwise reveal too late:
 * - every recorded event survives the real serializer and validation unchanged (a `Date` without
 *   `@Type(() => Date)`, a class instance without `@Type`, a bigint without `@BigIntProperty()`
 *   fail here);
 * - the state after the command equals the state rebuilt from the given and recorded events
 *   (state changed outside an `@Apply` handler fails here).
 *
 * @example
 * ```ts
 * await AggregateTestFixture.for(BankAccount)
 *   .given(new AccountOpened('Ada'), new MoneyDeposited(100))
 *   .when((account) => account.withdraw(30))
 *   .expectEvents(new MoneyWithdrawn(30));
 * ```
 */
export class AggregateTestFixture<T extends AggregateRoot> {
  #given: object[] = [];
  readonly #forgotten = new Set<string>();
  #command: Command<T> | undefined;

  private constructor(
    private readonly type: AggregateClass<T>,
    private readonly id: string,
    private readonly serializer: EventSerializer,
  ) {}

  /** Starts a fixture for an aggregate class; `id` defaults to a fixed UUID. */
  static for<T extends AggregateRoot>(
    type: AggregateClass<T>,
    options: { id?: string; serializer?: EventSerializer } = {},
  ): AggregateTestFixture<T> {
    return new AggregateTestFixture(
      type,
      options.id ?? FIXED_ID,
      options.serializer ?? new EventSerializer(),
    );
  }

  /** Past events the aggregate is rebuilt from before the command runs. */
  given(...events: object[]): this {
    this.#given.push(...events);
    return this;
  }

  /**
   * Data subjects forgotten before the command runs: their `@PersonalData` values in the given
   * events read as `FORGOTTEN_VALUE`, as a repository gives them after `forget(subjectId)`.
   */
  forgetting(...subjectIds: string[]): this {
    for (const id of subjectIds) this.#forgotten.add(id);
    return this;
  }

  /**
   * The command under test. It receives the aggregate rebuilt from the given events (a fresh one
   * when none were given); a command that creates an aggregate returns it, and that one is checked.
   */
  when(command: Command<T>): this {
    this.#command = command;
    return this;
  }

  /** Asserts that the command recorded exactly these events, in order. Returns the aggregate. */
  async expectEvents(...expected: object[]): Promise<T> {
    const { aggregate, error } = await this.#run();
    if (error)
      throw failure(`expected events, but the command threw ${describeError(error)}`, error);
    const actual = aggregate.getUncommittedEvents();
    try {
      deepStrictEqual(actual, expected);
    } catch (cause) {
      const e = cause as AssertionError;
      throw new AssertionError({
        message: `recorded events differ from the expected ones\n${e.message}`,
        actual,
        expected,
      });
    }
    return aggregate;
  }

  /** Asserts that the command succeeded and recorded nothing. */
  async expectNoEvents(): Promise<T> {
    return this.expectEvents();
  }

  /**
   * Asserts that the command threw an error of this class (and, if given, a message matching).
   * Returns the error for further checks.
   */
  async expectError<E extends Error>(
    type: abstract new (...args: never[]) => E,
    message?: string | RegExp,
  ): Promise<E> {
    const { error } = await this.#run();
    if (!error)
      throw new AssertionError({ message: `expected ${type.name}, but the command succeeded` });
    if (!(error instanceof (type as unknown as ErrorClass))) {
      throw failure(`expected ${type.name}, but the command threw ${describeError(error)}`, error);
    }
    const text = error.message;
    if (
      message !== undefined &&
      !(typeof message === 'string' ? text.includes(message) : message.test(text))
    ) {
      throw new AssertionError({
        message: `${type.name} thrown with message "${text}", expected ${String(message)}`,
      });
    }
    return error as E;
  }

  async #run(): Promise<{ aggregate: T; error?: unknown }> {
    if (!this.#command)
      throw new Error('AggregateTestFixture: call when(...) before an expectation');
    const given = this.#given.map((event) => this.#roundTrip(event, 'given'));
    const start = new this.type(this.id);
    start.loadFromHistory(given);
    let aggregate = start;
    try {
      const created = await this.#command(start);
      if (created instanceof AggregateRoot) {
        if (!(created instanceof this.type)) {
          throw new Error(
            `the command returned a ${created.constructor.name}, not a ${this.type.name}`,
          );
        }
        aggregate = created;
      }
    } catch (error) {
      return { aggregate, error };
    }
    const recorded = aggregate.getUncommittedEvents();
    for (const event of recorded) this.#roundTrip(event, 'recorded');
    // Rebuilt from fresh copies: the given events as the test wrote them, the recorded ones from
    // the JSON taken when they were raised (what a store would hold), so a handler that mutated
    // an event object cannot make both sides wrong in the same way.
    const history = [
      ...(aggregate === start ? this.#given.map((event) => this.#roundTrip(event, 'given')) : []),
      ...aggregate
        .getUncommittedEnvelopes()
        .map((u) => this.serializer.deserialize(u.eventType, JSON.parse(u.json))),
    ];
    this.#assertStateFromEvents(aggregate, history);
    this.#assertSnapshotRoundTrip(aggregate, aggregate.version + recorded.length);
    return { aggregate };
  }

  #roundTrip(event: object, role: string): object {
    const serialized = this.serializer.serialize(event);
    // An event with personal data must name its subject, or the repository refuses to save it.
    if (holdsPersonalData(event, new Set())) {
      const subject = subjectOfEvent(event, serialized.eventType);
      if (role === 'given' && this.#forgotten.has(subject)) {
        const plain = replacePersonal(event, JSON.parse(serialized.json), () => FORGOTTEN_VALUE);
        return this.serializer.deserialize(serialized.eventType, plain);
      }
    }
    const back = this.serializer.deserialize(serialized.eventType, JSON.parse(serialized.json));
    if (!isDeepStrictEqual(back, event)) {
      throw new AssertionError({
        message:
          `${role} event ${serialized.eventType} does not survive serialization unchanged: ` +
          'annotate Dates with @Type(() => Date), value objects with @Type(() => TheClass), ' +
          'bigints with @BigIntProperty()',
        actual: back,
        expected: event,
      });
    }
    return back;
  }

  /** For a class with a snapshot policy: the snapshot must restore the very same state. */
  #assertSnapshotRoundTrip(aggregate: T, version: number): void {
    if (!snapshotPolicyOf(this.type) || version === 0) return;
    const restored = new this.type(aggregate.id);
    restored.restoreSnapshot(JSON.parse(JSON.stringify(aggregate.toSnapshot())) as object, version);
    const live = { ...aggregate };
    const fromSnapshot = { ...restored };
    if (!isDeepStrictEqual(live, fromSnapshot)) {
      throw new AssertionError({
        message:
          `${this.type.name}'s snapshot does not restore its state: annotate nested value objects ` +
          'with @Type(() => TheClass), Dates with @Type(() => Date), bigints with @BigIntProperty(), ' +
          'or override toSnapshot()/restoreSnapshot()',
        actual: fromSnapshot,
        expected: live,
      });
    }
  }

  #assertStateFromEvents(aggregate: T, history: readonly object[]): void {
    const rebuilt = new this.type(aggregate.id);
    rebuilt.loadFromHistory(history);
    const live = { ...aggregate };
    const fromEvents = { ...rebuilt };
    if (!isDeepStrictEqual(live, fromEvents)) {
      throw new AssertionError({
        message:
          `${this.type.name}'s state after the command differs from the state rebuilt from its events: ` +
          'some state was changed outside an @Apply handler',
        actual: live,
        expected: fromEvents,
      });
    }
  }
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function failure(message: string, cause: unknown): AssertionError {
  const error = new AssertionError({ message });
  (error as Error & { cause?: unknown }).cause = cause;
  return error;
}
