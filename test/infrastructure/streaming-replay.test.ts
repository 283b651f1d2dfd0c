import { expect } from 'chai';
import { IsInt, IsString } from 'class-validator';
import { randomUUID } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import { DataSource } from 'typeorm';
import { Aggregate, AggregateRoot, Apply, DomainEvent, EventRepository } from '../../src';
import { useTestDatabase } from '../support/database';
import { WHOLE_PAGES } from '../../src/infrastructure/load/stream-reader';
import { recordStatements } from '../support/record-statements';

const log: string[] = [];
/** When set, applying the tick with this number throws. */
let failAt: number | undefined;

@DomainEvent('Test.Stream.Ticked')
class Ticked {
  @IsInt() readonly n: number;
  constructor(n: number) {
    this.n = n;
  }
}

@Aggregate('Test.Stream.Clock')
class Clock extends AggregateRoot {
  ticks = 0;
  tick(): void {
    this.raise(new Ticked(this.ticks + 1));
  }
  @Apply(Ticked)
  protected onTicked(event: Ticked): void {
    if (event.n === failAt) throw new Error(`tick ${event.n} refused`);
    log.push(`apply ${event.n}`);
    this.ticks = event.n;
  }
}

/** Logs every page query as it is sent, and every row as it comes off the wire. */
function recordQueries(dataSource: DataSource): () => void {
  return recordStatements(
    dataSource,
    (text, values) => {
      if (/LIMIT \$3/.test(text)) log.push(`page after ${String(values[1])}`);
    },
    () => log.push('row'),
  ).restore;
}

@DomainEvent('Test.Stream.Padded')
class Padded {
  @IsInt() readonly n: number;
  @IsString() readonly pad: string;
  constructor(n: number, pad: string) {
    this.n = n;
    this.pad = pad;
  }
}

/** Folds slowly from version `slowFrom` on (`busyMs` per event); logs what it applied. */
@Aggregate('Test.Stream.SlowClock')
class SlowClock extends AggregateRoot {
  static slowFrom = Infinity;
  static busyMs = 0;
  ticks = 0;
  tick(pad = ''): void {
    this.raise(new Padded(this.ticks + 1, pad));
  }
  @Apply(Padded)
  protected onPadded(event: Padded): void {
    if (event.n >= SlowClock.slowFrom) {
      const end = Date.now() + SlowClock.busyMs;
      while (Date.now() < end) {
        // a handler that takes its time
      }
    }
    log.push(`apply ${event.n}`);
    this.ticks = event.n;
  }
}

/** Streams read in pages of 2: the first WHOLE_PAGES pages (events 1..N) are read whole. */
const PAGE = 2;
const N = PAGE * WHOLE_PAGES;

async function clockOf(repository: EventRepository, ticks: number): Promise<Clock> {
  const clock = new Clock(randomUUID());
  for (let i = 0; i < ticks; i++) clock.tick();
  await repository.save(clock);
  return clock;
}

/** The log of the whole pages of a stream read in pages of 2 (with the rows, or without). */
function wholePages(withRows: boolean): string[] {
  const lines: string[] = [];
  for (let page = 0; page < WHOLE_PAGES; page++) {
    lines.push(`page after ${PAGE * page}`);
    // A page query asks for one row more than a page: that row only says a page follows.
    if (withRows) lines.push('row', 'row', 'row');
    lines.push(`apply ${PAGE * page + 1}`, `apply ${PAGE * page + 2}`);
  }
  return lines;
}

/** Loads `clock` while logging pages and rows; returns the log. */
async function loadLogged(
  dataSource: DataSource,
  repository: EventRepository,
  clock: Clock,
): Promise<string[]> {
  log.length = 0;
  const restore = recordQueries(dataSource);
  try {
    const loaded = await repository.load(Clock, clock.id);
    expect(loaded.ticks).to.equal(clock.ticks);
    expect(loaded.version).to.equal(clock.version);
  } finally {
    restore();
  }
  return [...log];
}

describe('EventRepository streaming replay', () => {
  const db = useTestDatabase();

  /** Counts connections the pool opens while `work` runs. */
  async function connectionsOpened(work: () => Promise<void>): Promise<number> {
    const pool = (db.dataSource.driver as unknown as { master: EventEmitter }).master;
    let opened = 0;
    const onConnect = (): void => {
      opened += 1;
    };
    pool.on('connect', onConnect);
    try {
      await work();
    } finally {
      pool.off('connect', onConnect);
    }
    return opened;
  }

  /**
   * Loads `clock` with its `statement`-th page statement given an id PostgreSQL cannot read as a
   * uuid (22P02); returns the error and how many page statements were sent.
   */
  async function loadWithBadPage(
    repository: EventRepository,
    clock: Clock,
    statement: number,
  ): Promise<{ error: unknown; pages: number }> {
    let pages = 0;
    const recording = recordStatements(db.dataSource, (text, values) => {
      if (/LIMIT \$3/.test(text) && ++pages === statement) {
        (values as unknown[])[0] = 'not-a-uuid';
      }
    });
    try {
      return { error: await repository.load(Clock, clock.id).catch((e: unknown) => e), pages };
    } finally {
      recording.restore();
    }
  }

  /** Runs `work` on a DataSource of the test database whose pg clients set `query_timeout`. */
  async function withQueryTimeout(
    queryTimeoutMs: number,
    max: number,
    work: (dataSource: DataSource) => Promise<void>,
  ): Promise<void> {
    const dataSource = new DataSource({
      type: 'postgres',
      url: db.url,
      extra: { max, query_timeout: queryTimeoutMs },
    });
    await dataSource.initialize();
    try {
      await work(dataSource);
    } finally {
      await dataSource.destroy();
    }
  }

  it('folds whole pages first, then each event as its row arrives; each page before the next is read', async () => {
    const repository = new EventRepository(db.dataSource, { pageSize: PAGE });
    const clock = await clockOf(repository, N + 5);
    expect(await loadLogged(db.dataSource, repository, clock)).to.deep.equal([
      ...wholePages(true),
      // From here on no row waits for the rest of its page.
      `page after ${N}`,
      'row',
      `apply ${N + 1}`,
      'row',
      `apply ${N + 2}`,
      'row',
      `page after ${N + 2}`,
      'row',
      `apply ${N + 3}`,
      'row',
      `apply ${N + 4}`,
      'row',
      `page after ${N + 4}`,
      'row',
      `apply ${N + 5}`,
    ]);
  });

  it('reads a stream whose length is an exact multiple of the page size without an empty query', async () => {
    const repository = new EventRepository(db.dataSource, { pageSize: 3 });
    const pages = (lines: string[]): string[] => lines.filter((line) => line.startsWith('page'));
    // Read whole: the extra row of the last full page says nothing follows.
    const short = await clockOf(repository, 6);
    expect(pages(await loadLogged(db.dataSource, repository, short))).to.deep.equal([
      'page after 0',
      'page after 3',
    ]);
    // Streamed: the same.
    const paired = new EventRepository(db.dataSource, { pageSize: PAGE });
    const long = await clockOf(paired, N + 4);
    expect(pages(await loadLogged(db.dataSource, paired, long)).slice(-3)).to.deep.equal([
      `page after ${N - 2}`,
      `page after ${N}`,
      `page after ${N + 2}`,
    ]);
  });

  it('rejects with the error a handler throws in a streamed page, folds nothing after it and keeps the connection', async () => {
    const repository = new EventRepository(db.dataSource, { pageSize: PAGE });
    const clock = await clockOf(repository, N + 4);
    let error: unknown;
    let seen: string[] = [];
    const opened = await connectionsOpened(async () => {
      failAt = N + 1;
      try {
        error = await loadLogged(db.dataSource, repository, clock).catch((e: unknown) => e);
        seen = log.filter((line) => line !== 'row');
      } finally {
        failAt = undefined;
      }
      // The same (healthy) connection serves the next load.
      expect((await repository.load(Clock, clock.id)).ticks).to.equal(N + 4);
    });
    expect(error)
      .to.be.instanceOf(Error)
      .with.property('message', `tick ${N + 1} refused`);
    // Nothing after the failed event is folded, though its row and the page's extra row came.
    expect(seen).to.deep.equal([...wholePages(false), `page after ${N}`]);
    expect(opened, 'connections opened to replace discarded ones').to.equal(0);
  });

  it('rejects with the error a handler throws in a whole page and keeps the connection', async () => {
    const repository = new EventRepository(db.dataSource, { pageSize: PAGE });
    const clock = await clockOf(repository, 9);
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => {
      unhandled.push(reason);
    };
    process.on('unhandledRejection', onUnhandled);
    let error: unknown;
    let seen: string[] = [];
    try {
      const opened = await connectionsOpened(async () => {
        failAt = 3;
        try {
          error = await loadLogged(db.dataSource, repository, clock).catch((e: unknown) => e);
          seen = log.filter((line) => line !== 'row');
        } finally {
          failAt = undefined;
        }
        expect((await repository.load(Clock, clock.id)).ticks).to.equal(9);
      });
      expect(opened, 'connections opened to replace discarded ones').to.equal(0);
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    expect(error).to.be.instanceOf(Error).with.property('message', 'tick 3 refused');
    // Nothing after tick 3 was applied, and no page after its own was read.
    expect(seen).to.deep.equal(['page after 0', 'apply 1', 'apply 2', 'page after 2']);
    expect(unhandled).to.deep.equal([]);
  });

  it("passes a whole page's statement error to the caller and keeps the connection", async () => {
    const repository = new EventRepository(db.dataSource, { pageSize: PAGE });
    const clock = await clockOf(repository, 9);
    const { error } = await loadWithBadPage(repository, clock, 2);
    expect(error).to.have.property('code', '22P02');
    expect((await repository.load(Clock, clock.id)).ticks).to.equal(9);
  });

  it("passes a streamed page's statement error to the caller and keeps the connection", async () => {
    const repository = new EventRepository(db.dataSource, { pageSize: PAGE });
    const clock = await clockOf(repository, N + 5);
    let error: unknown;
    let pages = 0;
    const opened = await connectionsOpened(async () => {
      // The first streamed page's statement is the bad one.
      ({ error, pages } = await loadWithBadPage(repository, clock, WHOLE_PAGES + 1));
      expect((await repository.load(Clock, clock.id)).ticks).to.equal(N + 5);
    });
    expect(pages).to.equal(WHOLE_PAGES + 1);
    expect(error).to.have.property('code', '22P02');
    expect(opened, 'connections opened to replace discarded ones').to.equal(0);
  });

  it("streams pages on a pool with pg's query_timeout set", async () => {
    // pg wraps a query's callback to enforce query_timeout; rows must still flow and end.
    await withQueryTimeout(30_000, 2, async (dataSource) => {
      const repository = new EventRepository(dataSource, { pageSize: PAGE });
      const clock = await clockOf(repository, N + 5);
      expect((await loadLogged(dataSource, repository, clock)).slice(-3)).to.deep.equal([
        `page after ${N + 4}`,
        'row',
        `apply ${N + 5}`,
      ]);
    });
  });

  it("stops folding a streamed page that pg's query_timeout cut short, and rejects", async () => {
    // Rows larger than the socket buffers and a slow fold keep the statement open past the
    // timeout (the documented cost of streaming); what arrives after must not be folded.
    await withQueryTimeout(300, 1, async (dataSource) => {
      // The first streamed page: 21 rows of 900 KB (19 MB, more than loopback's socket buffers
      // hold), folded at 50 ms an event.
      const pageSize = 20;
      const repository = new EventRepository(dataSource, { pageSize });
      // Written without the timeout: only the load is under test (19 MB of jsonb can take more
      // than 300 ms to write on a busy machine).
      const writer = new EventRepository(db.dataSource);
      const clock = new SlowClock(randomUUID());
      for (let i = 0; i < pageSize * WHOLE_PAGES; i++) clock.tick();
      await writer.save(clock);
      const pad = 'x'.repeat(900_000);
      for (let i = 0; i <= pageSize; i++) clock.tick(pad);
      await writer.save(clock);
      SlowClock.slowFrom = pageSize * WHOLE_PAGES + 1;
      SlowClock.busyMs = 50;
      log.length = 0;
      let appliedWhenSettled = -1;
      const error = await repository.load(SlowClock, clock.id).then(
        () => undefined,
        (e: unknown) => {
          appliedWhenSettled = log.length;
          return e;
        },
      );
      SlowClock.slowFrom = Infinity;
      expect(error).to.be.instanceOf(Error).with.property('message', 'Query read timeout');
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(log.length, 'events applied after the load settled').to.equal(appliedWhenSettled);
    }).finally(() => {
      SlowClock.slowFrom = Infinity;
    });
  });

  it('rejects a page size that is not a positive integer', () => {
    expect(() => new EventRepository(db.dataSource, { pageSize: 0 })).to.throw(
      TypeError,
      /pageSize/,
    );
  });
});
