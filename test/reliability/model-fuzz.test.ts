import { expect } from 'chai';
import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { EventRepository } from '../../src';
import { InMemoryEventRepository } from '../../src/testing';
import { useTestDatabase } from '../support/database';
import { fuzzProgram, SLOTS, type FuzzStep, type RacingOp } from './support/fuzz-program';
import { FuzzWorld, type Outcome } from './support/fuzz-world';
import { budgetMs, reliability } from './support/reliability-parameters';
import { reportFigure } from './support/report-figure';

const MAX_STEPS = 12;

interface Tally {
  runs: number;
  steps: number;
  concurrentSteps: number;
  errorCodes: Map<string, number>;
}

function okValue(outcome: Outcome): { id?: string; version?: number } | null | undefined {
  return 'ok' in outcome ? (outcome.ok as { id?: string; version?: number } | null) : undefined;
}

/**
 * The serial order PostgreSQL's results show for two racing operations, so the in-memory world
 * can run them in that order. Which of two racing writers wins is PostgreSQL's choice; everything
 * else (the loser's error, what a concurrent load saw) must then follow from that order.
 */
function serialOrder(
  ops: readonly [RacingOp, RacingOp],
  outcomes: readonly Outcome[],
  before: readonly number[],
  ids: readonly string[],
): [number, number] {
  const saved = (i: number): string | undefined =>
    ops[i].kind === 'save' ? okValue(outcomes[i])?.id : undefined;
  for (const l of [0, 1]) {
    const s = 1 - l;
    const load = ops[l];
    if (load.kind !== 'load' || saved(s) !== ids[load.slot]) continue;
    const seen = okValue(outcomes[l])?.version ?? 0;
    return seen === before[load.slot] ? [l, s] : [s, l];
  }
  for (const w of [0, 1]) {
    const loser = outcomes[1 - w];
    if (saved(w) === undefined || !('error' in loser) || loser.error !== 'ConcurrencyError')
      continue;
    const slot = Number(String(loser.aggregate).replace('slot ', ''));
    return loser.actualVersion === before[slot] ? [1 - w, w] : [w, 1 - w];
  }
  return [0, 1];
}

async function runStep(step: FuzzStep, pg: FuzzWorld, memory: FuzzWorld): Promise<void> {
  if (step.kind === 'single') {
    const expected = await pg.bind(step.op)();
    expect(await memory.bind(step.op)()).to.deep.equal(expected);
    return;
  }
  const before = await Promise.all(
    Array.from({ length: SLOTS }, (_, s) => memory.storedVersion(s)),
  );
  const pgRuns = step.ops.map((op) => pg.bind(op));
  const expected = await Promise.all(pgRuns.map((run) => run()));
  const memoryRuns = step.ops.map((op) => memory.bind(op));
  const actual: Outcome[] = [];
  const [a, b] = step.ops;
  if (a.kind === 'save' && b.kind === 'save' && a.handle === b.handle) {
    // The same instance twice: the second call must see the first still running.
    actual.push(...(await Promise.all(memoryRuns.map((run) => run()))));
  } else {
    for (const i of serialOrder(step.ops, expected, before, memory.ids)) {
      actual[i] = await memoryRuns[i]();
    }
  }
  expect(actual).to.deep.equal(expected);
}

describe('model-based fuzzing: EventRepository and InMemoryEventRepository are indistinguishable', () => {
  const db = useTestDatabase();

  it(`agree on every result, error and stored event over ${reliability.fuzzRuns} random programs with concurrent saves and reloads`, async function () {
    this.timeout(budgetMs(90_000));
    const tally: Tally = { runs: 0, steps: 0, concurrentSteps: 0, errorCodes: new Map() };
    const property = fc.asyncProperty(fuzzProgram(MAX_STEPS), async (program) => {
      const ids = Array.from({ length: SLOTS }, () => randomUUID());
      const pg = new FuzzWorld(new EventRepository(db.dataSource), ids);
      const memory = new FuzzWorld(new InMemoryEventRepository(), ids);
      tally.runs += 1;
      for (const [index, step] of program.entries()) {
        try {
          await runStep(step, pg, memory);
          expect(memory.handles()).to.deep.equal(pg.handles());
        } catch (error) {
          (error as Error).message =
            `step ${index} ${JSON.stringify(step)}: ${(error as Error).message}`;
          throw error;
        }
        tally.steps += 1;
        if (step.kind === 'concurrent') tally.concurrentSteps += 1;
      }
      for (let slot = 0; slot < SLOTS; slot++) {
        expect(await memory.stream(slot), `stored stream of slot ${slot}`).to.deep.equal(
          await pg.stream(slot),
        );
      }
      for (const [code, count] of pg.errorCodes) {
        tally.errorCodes.set(code, (tally.errorCodes.get(code) ?? 0) + count);
      }
    });
    const seed = process.env.TESSERA_SEED ? Number(process.env.TESSERA_SEED) : undefined;
    await fc.assert(property, { numRuns: reliability.fuzzRuns, seed });
    const errors = [...tally.errorCodes].sort(([a], [b]) => a.localeCompare(b));
    const errorCount = errors.reduce((sum, [, n]) => sum + n, 0);
    reportFigure(
      'model-based fuzzing',
      `${reliability.fuzzRuns} programs, ${tally.steps} steps (${tally.concurrentSteps} concurrent pairs) ` +
        `run on both repositories, ${errorCount} errors compared ` +
        `(${errors.map(([code, n]) => `${code} ${n}`).join(', ')}), divergences: 0`,
    );
    expect(tally.errorCodes.get('TESSERA_CONCURRENCY') ?? 0, 'races were lost').to.be.greaterThan(
      0,
    );
  });
});
