import { expect } from 'chai';
import type { DataSource } from 'typeorm';
import {
  createTesseraDataSource,
  EventRepository,
  OutcomeUnknownError,
  TesseraError,
} from '../../src';
import {
  createScratchDatabase,
  startLocalPostgres,
  type LocalPostgres,
  type ScratchDatabase,
} from '../../support/local-postgres';
import { DURABLE_FLAGS } from './support/durable-flags';
import { Probe } from './support/probe';
import { ProgressSignal } from './support/progress-signal';
import { budgetMs, reliability } from './support/reliability-parameters';
import { reportFigure } from './support/report-figure';
import { sqlState } from './support/sql-state';

const STATEMENT_TIMEOUT_MS = 2_000;
// A save may take its statement timeout plus a connection attempt; beyond this it counts as hung.
const HANG_DEADLINE_MS = STATEMENT_TIMEOUT_MS + 3_000;
const WRITERS = 4;
const EVENTS_PER_SAVE = 20;

/**
 * What a save may fail with while its server goes away: the server's own shutdown/startup
 * SQLSTATEs (57P01 admin shutdown, 57P02 crash shutdown, 57P03 cannot connect now, class 08
 * connection exceptions) or the driver's report of a lost or refused connection.
 */
function connectionFailureKind(error: unknown): string | undefined {
  // A statement cut off by the lost connection: the repository says its outcome is unknown.
  if (error instanceof OutcomeUnknownError) {
    const cause = connectionFailureKind(error.cause);
    return cause === undefined ? undefined : `outcome unknown: ${cause}`;
  }
  const state = sqlState(error);
  if (state !== undefined && (/^57P0[123]$/.test(state) || state.startsWith('08'))) return state;
  const message = (error as Error)?.message ?? '';
  if (/^Connection terminated unexpectedly$/.test(message)) return 'connection terminated';
  if (/^Client has encountered a connection error and is not queryable$/.test(message)) {
    return 'connection lost between statements';
  }
  if (/ECONNREFUSED|ECONNRESET/.test(`${state ?? ''} ${message}`)) return 'connection refused';
  return undefined;
}

interface SaveRecord {
  readonly probe: Probe;
  readonly eventIds: readonly string[];
  outcome: 'pending' | 'ack' | 'fail' | 'hung';
  error?: unknown;
  afterFault: number;
}

/** Writers saving small batches in a loop, recording every outcome, until told to stop. */
class WriterPool {
  readonly saves: SaveRecord[] = [];
  readonly progress = new ProgressSignal();
  faults = 0;
  #stopping = false;
  #loops: Promise<void>[] = [];

  constructor(private readonly repository: EventRepository) {}

  start(): void {
    this.#loops = Array.from({ length: WRITERS }, () => this.#loop());
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    await Promise.all(this.#loops);
  }

  /** Acknowledged saves started after the latest fault. */
  acknowledgedSinceFault(): number {
    return this.saves.filter((s) => s.outcome === 'ack' && s.afterFault === this.faults).length;
  }

  inFlight(): number {
    return this.saves.filter((s) => s.outcome === 'pending').length;
  }

  async #loop(): Promise<void> {
    while (!this.#stopping) {
      const probe = new Probe();
      for (let i = 0; i < EVENTS_PER_SAVE; i++) probe.record(i);
      const record: SaveRecord = {
        probe,
        eventIds: probe.getUncommittedEnvelopes().map((e) => e.eventId),
        outcome: 'pending',
        afterFault: this.faults,
      };
      this.saves.push(record);
      this.progress.notify();
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<'hung'>((resolve) => {
        timer = setTimeout(() => resolve('hung'), HANG_DEADLINE_MS);
      });
      try {
        const result = await Promise.race([this.repository.save(probe), deadline]);
        record.outcome = result === 'hung' ? 'hung' : 'ack';
      } catch (error) {
        record.outcome = 'fail';
        record.error = error;
      } finally {
        clearTimeout(timer);
      }
      this.progress.notify();
      if (record.outcome !== 'ack') {
        // Not synchronisation: keeps a loop of refused connections from spinning while it is down.
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
  }
}

describe('restart: PostgreSQL restarts under a running application', function () {
  let server: LocalPostgres | undefined;
  let scratch: ScratchDatabase | undefined;
  let dataSource: DataSource | undefined;
  const faults: string[] = [];
  let idleChecks = 0;
  let idleSucceeded = 0;
  let running: WriterPool | undefined;

  before(async function () {
    this.timeout(120_000);
    server = await startLocalPostgres({ forceEmbedded: true, postgresFlags: [...DURABLE_FLAGS] });
    scratch = await createScratchDatabase(server.url, 'tessera_restart');
    // One DataSource for the whole suite: the application is never restarted.
    dataSource = createTesseraDataSource({
      url: scratch.url,
      poolSize: WRITERS + 1,
      statementTimeoutMs: STATEMENT_TIMEOUT_MS,
    });
    await dataSource.initialize();
    await dataSource.runMigrations();
  });

  after(async function () {
    this.timeout(60_000);
    try {
      // A test that failed on an uncaught error leaves its writers running: stop them first.
      await running?.stop();
      if (dataSource?.isInitialized) await dataSource.destroy();
    } finally {
      await server?.stop();
    }
    const kinds = new Map<string, number>();
    for (const fault of faults) kinds.set(fault, (kinds.get(fault) ?? 0) + 1);
    reportFigure(
      'restart',
      `${faults.length} restarts of PostgreSQL under one DataSource ` +
        `(${[...kinds].map(([kind, n]) => `${n} ${kind}`).join(', ')}), ` +
        `first saves after an idle restart that failed: ${idleChecks - idleSucceeded} of ${idleChecks}`,
    );
  });

  for (const mode of ['fast', 'immediate'] as const) {
    it(`serves the first save after a ${mode} restart while idle, without restarting the application`, async function () {
      this.timeout(budgetMs(30_000));
      const repository = new EventRepository(dataSource as DataSource);
      // Fill the pool with idle connections that the restart will kill.
      await Promise.all(
        Array.from({ length: WRITERS }, () => repository.save(new Probe().record('before'))),
      );
      for (let round = 0; round < reliability.restartsPerKind; round++) {
        await (server as LocalPostgres).kill(mode);
        await (server as LocalPostgres).restart();
        faults.push(`${mode} while idle`);
        const probe = new Probe().record('after');
        idleChecks += 1;
        await repository.save(probe);
        idleSucceeded += 1;
        expect((await repository.load(Probe, probe.id)).values).to.deep.equal(['after']);
      }
      expect((dataSource as DataSource).isInitialized).to.equal(true);
    });
  }

  for (const mode of ['fast', 'immediate'] as const) {
    it(`fails in-flight saves with a connection error within the statement timeout during a ${mode} restart, then recovers`, async function () {
      this.timeout(budgetMs(60_000));
      const pg = server as LocalPostgres;
      const writers = new WriterPool(new EventRepository(dataSource as DataSource));
      running = writers;
      writers.start();
      try {
        for (let round = 0; round < reliability.restartsPerKind; round++) {
          await writers.progress.waitUntil(
            () => writers.acknowledgedSinceFault() >= WRITERS && writers.inFlight() > 0,
            `saves acknowledged and in flight before ${mode} restart ${round + 1}`,
          );
          writers.faults += 1;
          await pg.kill(mode);
          await pg.restart();
          faults.push(`${mode} while writing`);
        }
        await writers.progress.waitUntil(
          () => writers.acknowledgedSinceFault() >= WRITERS,
          `acknowledged saves after the last ${mode} restart`,
        );
      } finally {
        await writers.stop();
      }

      const failed = writers.saves.filter((s) => s.outcome === 'fail');
      const hung = writers.saves.filter((s) => s.outcome === 'hung');
      const unclear = failed.filter(
        (s) =>
          (s.error instanceof TesseraError && !(s.error instanceof OutcomeUnknownError)) ||
          connectionFailureKind(s.error) === undefined,
      );
      expect(hung, 'saves still pending after the statement timeout').to.have.length(0);
      expect(
        unclear.map((s) => `${String(s.error)} (SQLSTATE ${sqlState(s.error)})`),
        'failures that are not a connection error',
      ).to.deep.equal([]);
      expect(failed.length, 'saves failed by the restart').to.be.greaterThan(0);

      const repository = new EventRepository(dataSource as DataSource);
      let lost = 0;
      let torn = 0;
      let committedDespiteError = 0;
      for (const save of writers.saves) {
        const stored = (await repository.readStream(save.probe.id)).map((e) => e.eventId);
        const whole = JSON.stringify(stored) === JSON.stringify(save.eventIds);
        if (stored.length > 0 && !whole) torn += 1;
        if (save.outcome === 'ack' && !whole) lost += 1;
        if (save.outcome === 'fail' && whole) committedDespiteError += 1;
      }
      const kinds = [...new Set(failed.map((s) => connectionFailureKind(s.error)))].sort();
      reportFigure(
        `restart while writing (${mode})`,
        `restarts: ${reliability.restartsPerKind}, ${writers.saves.length} saves by ${WRITERS} writers: ` +
          `${writers.saves.filter((s) => s.outcome === 'ack').length} acknowledged, ${failed.length} failed with ` +
          `a connection error (${kinds.join(', ')}; ${committedDespiteError} of them committed whole), ` +
          `hung past the statement timeout: ${hung.length}, torn: ${torn}, acknowledged saves lost: ${lost}`,
      );
      expect(torn).to.equal(0);
      expect(lost).to.equal(0);
    });
  }
});
