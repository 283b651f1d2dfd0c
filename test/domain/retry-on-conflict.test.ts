import { expect } from 'chai';
import {
  ConcurrencyError,
  DomainError,
  retryOnConflict,
  type RetryOptions,
} from '../../src/domain';

const conflict = (n = 0) =>
  new ConcurrencyError('00000000-0000-4000-8000-000000000001', 'Test.Retry', n, n + 1);

/** Zero backoff: no timers, so the tests do not wait. */
const NO_WAIT = { baseDelayMs: 0 } as const;

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  return expect.fail('expected the promise to reject');
}

describe('retryOnConflict', () => {
  it('returns the result of a first successful attempt without retrying', async () => {
    const attempts: number[] = [];
    const result = await retryOnConflict(async (n) => {
      attempts.push(n);
      return 'done';
    }, NO_WAIT);
    expect(result).to.equal('done');
    expect(attempts).to.deep.equal([0]);
  });

  it('retries after a ConcurrencyError and returns the first success, numbering attempts from 0', async () => {
    const attempts: number[] = [];
    const result = await retryOnConflict(
      async (n) => {
        attempts.push(n);
        if (n < 3) throw conflict(n);
        return n * 10;
      },
      { retries: 5, ...NO_WAIT },
    );
    expect(result).to.equal(30);
    expect(attempts).to.deep.equal([0, 1, 2, 3]);
  });

  it('gives up after `retries` retries and rethrows the last ConcurrencyError', async () => {
    let attempts = 0;
    const errors: ConcurrencyError[] = [];
    const error = await rejection(
      retryOnConflict(
        async (n) => {
          attempts++;
          const e = conflict(n);
          errors.push(e);
          throw e;
        },
        { retries: 3, ...NO_WAIT },
      ),
    );
    expect(attempts).to.equal(4);
    expect(error).to.equal(errors[3]);
  });

  it('makes a single attempt with retries: 0', async () => {
    let attempts = 0;
    const error = await rejection(
      retryOnConflict(
        async () => {
          attempts++;
          throw conflict();
        },
        { retries: 0 },
      ),
    );
    expect(error).to.be.instanceOf(ConcurrencyError);
    expect(attempts).to.equal(1);
  });

  it('retries 10 times by default', async () => {
    let attempts = 0;
    await rejection(
      retryOnConflict(async () => {
        attempts++;
        throw conflict();
      }, NO_WAIT),
    );
    expect(attempts).to.equal(11);
  });

  for (const [what, make] of [
    ['a DomainError', () => new DomainError('rule broken', 'RULE')],
    ['a TypeError', () => new TypeError('bug')],
    ['a non-Error value', () => 'just a string'],
  ] as const) {
    it(`rethrows ${what} immediately without retrying`, async () => {
      let attempts = 0;
      const thrown = make();
      const error = await rejection(
        retryOnConflict(
          async () => {
            attempts++;
            throw thrown;
          },
          { retries: 5, ...NO_WAIT },
        ),
      );
      expect(error).to.equal(thrown);
      expect(attempts).to.equal(1);
    });
  }

  it('rethrows another error that follows a ConcurrencyError without further retries', async () => {
    const attempts: number[] = [];
    const error = await rejection(
      retryOnConflict(
        async (n) => {
          attempts.push(n);
          if (n === 0) throw conflict();
          throw new DomainError('now closed', 'CLOSED');
        },
        { retries: 5, ...NO_WAIT },
      ),
    );
    expect(error).to.be.instanceOf(DomainError);
    expect(attempts).to.deep.equal([0, 1]);
  });

  it('accepts an attempt that throws synchronously', async () => {
    let attempts = 0;
    const error = await rejection(
      retryOnConflict(
        () => {
          attempts++;
          throw conflict();
        },
        { retries: 2, ...NO_WAIT },
      ),
    );
    expect(error).to.be.instanceOf(ConcurrencyError);
    expect(attempts).to.equal(3);
  });

  describe('rejects invalid options with TypeError before any attempt', () => {
    const bad: Array<[keyof RetryOptions, number]> = [
      ['retries', -1],
      ['retries', 1.5],
      ['retries', Number.NaN],
      ['retries', Number.POSITIVE_INFINITY],
      ['baseDelayMs', -2],
      ['baseDelayMs', 0.5],
      ['maxDelayMs', -100],
      ['maxDelayMs', 2.5],
    ];
    for (const [name, value] of bad) {
      it(`${name}: ${value}`, async () => {
        let attempts = 0;
        const error = await rejection(
          retryOnConflict(
            async () => {
              attempts++;
            },
            { [name]: value },
          ),
        );
        expect(error).to.be.instanceOf(TypeError);
        expect((error as Error).message).to.include(name);
        expect(attempts).to.equal(0);
      });
    }
  });
});
