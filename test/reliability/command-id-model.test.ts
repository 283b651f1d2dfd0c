import { expect } from 'chai';
import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import {
  CommandIdReusedError,
  ConcurrencyError,
  EventRepository,
  type AggregateRepository,
} from '../../src';
import { InMemoryEventRepository } from '../../src/testing';
import { ContractCounter, CounterCreated } from '../../src/testing/contract/contract-aggregate';
import { useTestDatabase } from '../support/database';

interface Step {
  /** update(): reload and run; stale: save from the instance loaded right after creation. */
  readonly via: 'update' | 'stale';
  readonly commandId: string | undefined;
  readonly amount: number;
}

type Outcome = 'written' | 'replayed' | 'reused' | 'conflict';

const step: fc.Arbitrary<Step> = fc.record({
  via: fc.constantFrom('update' as const, 'stale' as const),
  commandId: fc.constantFrom(undefined, 'a', 'b', 'c'),
  amount: fc.integer({ min: 1, max: 3 }),
});

/** What command ids promise, as plain bookkeeping: the model both repositories must match. */
function modelOutcomes(steps: readonly Step[]): {
  outcomes: Outcome[];
  total: number;
  events: number;
} {
  const keys = new Map<string, number>();
  let events = 1;
  let total = 0;
  const outcomes = steps.map((s): Outcome => {
    if (s.commandId !== undefined && keys.has(s.commandId)) {
      return keys.get(s.commandId) === s.amount ? 'replayed' : 'reused';
    }
    if (s.via === 'stale' && events !== 1) return 'conflict';
    if (s.commandId !== undefined) keys.set(s.commandId, s.amount);
    events += 1;
    total += s.amount;
    return 'written';
  });
  return { outcomes, total, events };
}

async function run(
  repository: AggregateRepository,
  steps: readonly Step[],
): Promise<{
  outcomes: Outcome[];
  total: number;
  events: number;
}> {
  const created = ContractCounter.create(randomUUID(), 'model');
  await repository.save(created);
  const outcomes: Outcome[] = [];
  for (const s of steps) {
    const options = s.commandId === undefined ? {} : { commandId: s.commandId };
    try {
      if (s.via === 'update') {
        const before = (await repository.readStream(created.id)).length;
        await repository.update(ContractCounter, created.id, (c) => c.increment(s.amount), options);
        const after = (await repository.readStream(created.id)).length;
        outcomes.push(after > before ? 'written' : 'replayed');
      } else {
        // An instance at version 1 (the creation only), however far the stream has moved.
        const stale = new ContractCounter(created.id);
        stale.loadFromHistory([new CounterCreated('model')]);
        stale.increment(s.amount);
        const result = await repository.save(stale, options);
        outcomes.push(result.replayed ? 'replayed' : 'written');
      }
    } catch (error) {
      if (error instanceof CommandIdReusedError) outcomes.push('reused');
      else if (error instanceof ConcurrencyError) outcomes.push('conflict');
      else throw error;
    }
  }
  const loaded = await repository.load(ContractCounter, created.id);
  return { outcomes, total: loaded.total, events: loaded.version };
}

describe('command ids against a model of their promise', () => {
  const db = useTestDatabase();

  for (const [name, create, runs] of [
    ['InMemoryEventRepository', (): AggregateRepository => new InMemoryEventRepository(), 200],
    [
      'EventRepository (PostgreSQL)',
      (): AggregateRepository => new EventRepository(db.dataSource),
      40,
    ],
  ] as const) {
    it(`${name}: replays, reuses, conflicts and writes exactly as the model says`, async function () {
      this.timeout(120_000);
      await fc.assert(
        fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 10 }), async (steps) => {
          const seen = await run(create(), steps);
          expect(seen).to.deep.equal(modelOutcomes(steps));
        }),
        { numRuns: runs },
      );
    });
  }
});
