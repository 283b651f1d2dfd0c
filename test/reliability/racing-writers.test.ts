import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { BankAccount, Owner } from '../../examples/bank-account';
import {
  ConcurrencyError,
  createTesseraDataSource,
  DomainError,
  retryOnConflict,
  type AggregateRepository,
} from '../../src';
import { useTestDatabase } from '../support/database';
import type { AccountStep } from './support/bank-account-model';
import { auditRace, Ledger, type Refusal } from './support/race-ledger';
import { budgetMs, reliability } from './support/reliability-parameters';
import { reportFigure } from './support/report-figure';
import {
  inMemoryBackend,
  postgresBackend,
  type RepositoryBackend,
} from './support/repository-backends';
import { SeededRandom, seedFromEnv } from './support/seeded-random';

const owner = new Owner('Edsger Dijkstra', 'edsger@example.com');
const RETRIES = 60;

interface RaceSetup {
  readonly repository: AggregateRepository;
  readonly ids: readonly string[];
  readonly ledger: Ledger;
  readonly random: SeededRandom;
}

/** Skewed choice: half the commands go to the first eight accounts, so writers really collide. */
function pickAccount({ ids, random }: RaceSetup): string {
  return random.chance(0.5) ? ids[random.int(0, 7)] : ids[random.int(0, ids.length - 1)];
}

function eventIdsOf(account: BankAccount): string[] {
  return account.getUncommittedEnvelopes().map((e) => e.eventId);
}

/** One deposit, withdrawal or close through update(), recording what the caller learns. */
async function singleAccountCommand(setup: RaceSetup, correlationId: string): Promise<void> {
  const { repository, ledger, random } = setup;
  const id = pickAccount(setup);
  const roll = random.next();
  const step: AccountStep =
    roll < 0.45
      ? { kind: 'deposit', amount: random.int(1, 1000) }
      : roll < 0.98
        ? { kind: 'withdraw', amount: random.int(1, 1500) }
        : { kind: 'close' };
  let attempts = 0;
  let atVersion = 0;
  let raised: string[] = [];
  try {
    const saved = await repository.update(
      BankAccount,
      id,
      (account) => {
        attempts += 1;
        raised.forEach((e) => ledger.unacknowledged.add(e));
        raised = [];
        atVersion = account.version;
        if (step.kind === 'deposit') account.deposit(step.amount);
        else if (step.kind === 'withdraw') account.withdraw(step.amount);
        else account.close('race');
        raised = eventIdsOf(account);
      },
      { retries: RETRIES, correlationId },
    );
    ledger.accepted += 1;
    ledger.writes.push({
      aggregateId: id,
      correlationId,
      toVersion: saved.version,
      eventIds: raised,
      steps: [step],
    });
  } catch (error) {
    raised.forEach((e) => ledger.unacknowledged.add(e));
    settleFailure(ledger, error, { aggregateId: id, atVersion, step });
  } finally {
    ledger.conflicts += Math.max(0, attempts - 1);
  }
}

/** A transfer: withdraw from one account and deposit into another, saved atomically. */
async function transfer(setup: RaceSetup, correlationId: string): Promise<void> {
  const { repository, ledger, random } = setup;
  const from = pickAccount(setup);
  let to = pickAccount(setup);
  while (to === from) to = setup.ids[random.int(0, setup.ids.length - 1)];
  const amount = random.int(1, 800);
  let attempts = 0;
  let judged: Omit<Refusal, 'code'> = { aggregateId: from, atVersion: 0, step: { kind: 'close' } };
  let raised: string[] = [];
  try {
    const [source, target, ids] = await retryOnConflict(
      async () => {
        attempts += 1;
        raised.forEach((e) => ledger.unacknowledged.add(e));
        raised = [];
        const [source, target] = await Promise.all([
          repository.load(BankAccount, from),
          repository.load(BankAccount, to),
        ]);
        judged = {
          aggregateId: from,
          atVersion: source.version,
          step: { kind: 'withdraw', amount },
        };
        source.withdraw(amount);
        raised = eventIdsOf(source);
        judged = { aggregateId: to, atVersion: target.version, step: { kind: 'deposit', amount } };
        target.deposit(amount);
        raised = [...raised, ...eventIdsOf(target)];
        const ids = { source: eventIdsOf(source), target: eventIdsOf(target) };
        await repository.saveAll([source, target], { correlationId });
        return [source, target, ids] as const;
      },
      { retries: RETRIES },
    );
    ledger.accepted += 1;
    ledger.writes.push(
      {
        aggregateId: from,
        correlationId,
        toVersion: source.version,
        eventIds: ids.source,
        steps: [{ kind: 'withdraw', amount }],
      },
      {
        aggregateId: to,
        correlationId,
        toVersion: target.version,
        eventIds: ids.target,
        steps: [{ kind: 'deposit', amount }],
      },
    );
  } catch (error) {
    raised.forEach((e) => ledger.unacknowledged.add(e));
    settleFailure(ledger, error, judged);
  } finally {
    ledger.conflicts += Math.max(0, attempts - 1);
  }
}

function settleFailure(ledger: Ledger, error: unknown, judged: Omit<Refusal, 'code'>): void {
  if (error instanceof DomainError) ledger.refusals.push({ ...judged, code: error.code });
  else if (error instanceof ConcurrencyError) ledger.gaveUp += 1;
  else throw error;
}

async function race(repository: AggregateRepository, seed: number): Promise<RaceSetup> {
  const random = new SeededRandom(seed);
  const ledger = new Ledger();
  const accounts = Array.from({ length: reliability.aggregates }, () =>
    BankAccount.open(randomUUID(), owner, 'EUR', random.int(0, 500)),
  );
  await Promise.all(
    accounts.map(async (account, i) => {
      const eventIds = eventIdsOf(account);
      const overdraftLimit = account.overdraftLimit;
      await repository.save(account, { correlationId: `open-${i}` });
      ledger.writes.push({
        aggregateId: account.id,
        correlationId: `open-${i}`,
        toVersion: 1,
        eventIds,
        steps: [{ kind: 'open', overdraftLimit }],
      });
    }),
  );
  const setup: RaceSetup = { repository, ids: accounts.map((a) => a.id), ledger, random };
  await Promise.all(
    Array.from({ length: reliability.writers }, async (_, writer) => {
      for (let n = 0; n < reliability.commandsPerWriter; n++) {
        const correlationId = `w${writer}-c${n}`;
        if (random.chance(0.2)) await transfer(setup, correlationId);
        else await singleAccountCommand(setup, correlationId);
      }
    }),
  );
  return setup;
}

describe('racing writers: every acknowledged command is stored exactly once, in order', () => {
  const db = useTestDatabase();
  let racingDataSource: DataSource | undefined;

  before(async () => {
    // Its own, wider pool: more connections in flight means more real collisions.
    racingDataSource = createTesseraDataSource({ url: db.url, poolSize: 16 });
    await racingDataSource.initialize();
  });

  after(async () => {
    if (racingDataSource?.isInitialized) await racingDataSource.destroy();
  });

  const backends: RepositoryBackend[] = [
    inMemoryBackend,
    postgresBackend(() => racingDataSource as DataSource),
  ];
  for (const backend of backends) {
    it(`${reliability.writers} writers over ${reliability.aggregates} aggregates on ${backend.name}: no loss, no phantom, no gap, and a plain model agrees`, async function () {
      this.timeout(budgetMs(60_000));
      const seed = seedFromEnv();
      const setup = await race(backend.create().repository, seed);
      const found = await auditRace(setup.repository, setup.ids, setup.ledger);
      const { ledger } = setup;
      reportFigure(
        `racing writers (${backend.name})`,
        `${reliability.writers} writers, ${reliability.aggregates} aggregates opened, ` +
          `${ledger.accepted + ledger.refusals.length + ledger.gaveUp} racing commands ` +
          `(${ledger.accepted} accepted, ${ledger.refusals.length} refused by business rules, ` +
          `${ledger.gaveUp} gave up after ${RETRIES} retries), ${ledger.conflicts} conflicts retried, ` +
          `${found.stored} events stored for ${found.acknowledged} acknowledged, ` +
          `events lost: ${found.lost}, phantom events: ${found.phantom} (seed ${seed})`,
      );
      expect(found, `seed ${seed}`).to.deep.equal({
        stored: found.acknowledged,
        acknowledged: found.acknowledged,
        lost: 0,
        phantom: 0,
        duplicateIds: 0,
        versionGaps: 0,
        outOfOrder: 0,
        modelMismatches: 0,
        refusalMismatches: 0,
      });
      expect(ledger.conflicts, 'writers collided: the race really happened').to.be.greaterThan(0);
      expect(ledger.refusals.length, 'business rules were exercised').to.be.greaterThan(0);
    });
  }
});
