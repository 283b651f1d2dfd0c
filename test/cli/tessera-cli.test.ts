import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { BankAccount, Owner } from '../../examples/bank-account';
import {
  ConcurrencyError,
  createTesseraDataSource,
  EventRepository,
  StreamArchivedError,
  TESSERA_MIGRATIONS,
} from '../../src';
import { EXIT_CODES } from '../../src/cli/exit-codes';
import { createScratchDatabase, type ScratchDatabase } from '../../support/local-postgres';
import { ensureTestServer } from '../support/database';
import { buildCli, type BuiltCli } from './support/built-cli';

interface StatusJson {
  migrations: { name: string; applied: boolean }[];
  pending: number;
}
interface InspectJson {
  aggregateType: string;
  events: { version: number; eventType: string; archived: boolean; payload: unknown }[];
}
interface StatsJson {
  eventTypes: { eventType: string; hot: number; archived: number }[];
  streamLengths: { streams: number; p50: number; p99: number; max: number };
  sizes: { name: string; kind: string; table: string; bytes: number }[];
}

const ALL = TESSERA_MIGRATIONS.map((M) => new M().name!);
const ESC = String.fromCharCode(27);

/** Moves every stored event's creation time back, through the append-only escape hatch. */
async function age(dataSource: DataSource, interval: string): Promise<void> {
  await dataSource.transaction(async (manager) => {
    await manager.query(`SELECT set_config('tessera.allow_event_mutation', 'on', true)`);
    await manager.query(`UPDATE events SET created_at = created_at - $1::interval`, [interval]);
  });
}

describe('the tessera CLI (the built binary)', function () {
  this.timeout(120_000);
  let cli: BuiltCli;
  let scratch: ScratchDatabase;
  let env: Record<string, string>;

  before(async function () {
    this.timeout(300_000);
    const [built, server] = await Promise.all([buildCli(), ensureTestServer()]);
    cli = built;
    scratch = await createScratchDatabase(server.url, 'tessera_cli');
    env = { DATABASE_URL: scratch.url };
  });

  after(async () => {
    await scratch?.drop();
    await cli?.remove();
  });

  describe('migrate, status, revert', () => {
    it('status lists every migration pending and exits 4 on an empty database', async () => {
      const plain = await cli.run(['status'], env);
      expect(plain.code).to.equal(EXIT_CODES.pending);
      expect(plain.stdout).to.match(/^MIGRATION +STATE$/m);
      expect(plain.stdout).to.contain(`${ALL.length} pending`);
      const json = await cli.run(['status', '--json'], env);
      expect(json.code).to.equal(EXIT_CODES.pending);
      const parsed = JSON.parse(json.stdout) as StatusJson;
      expect(parsed.pending).to.equal(ALL.length);
      expect(parsed.migrations.map((m) => m.name)).to.deep.equal(ALL);
    });

    it('migrate applies them in order, then status exits 0', async () => {
      const migrated = await cli.run(['migrate', '--json'], env);
      expect(migrated.code, migrated.stderr).to.equal(EXIT_CODES.ok);
      expect((JSON.parse(migrated.stdout) as { applied: string[] }).applied).to.deep.equal(ALL);
      const again = await cli.run(['migrate'], env);
      expect(again.stdout.trim()).to.equal('nothing to migrate: the schema is up to date');
      const status = await cli.run(['status'], env);
      expect(status.code).to.equal(EXIT_CODES.ok);
      expect(status.stdout.trim().split('\n').at(-1)).to.equal('up to date');
    });

    it('revert undoes the last migration, and migrate reapplies it', async () => {
      const reverted = await cli.run(['revert'], env);
      expect(reverted.code, reverted.stderr).to.equal(EXIT_CODES.ok);
      expect(reverted.stdout.trim()).to.equal(`reverted ${ALL.at(-1)}`);
      expect((await cli.run(['status'], env)).code).to.equal(EXIT_CODES.pending);
      const migrated = await cli.run(['migrate'], env);
      expect(migrated.stdout.trim()).to.equal(`applied ${ALL.at(-1)}`);
    });

    it('reads an ormconfig-style data-source file given with --config', async () => {
      const config = join(cli.outDir, 'test-data-source.js');
      await writeFile(
        config,
        `const { createTesseraDataSource } = require('./index.js');\n` +
          `module.exports = createTesseraDataSource({ url: ${JSON.stringify(scratch.url)} });\n`,
      );
      const status = await cli.run(['status', '--json', '--config', config]);
      expect(status.code, status.stderr).to.equal(EXIT_CODES.ok);
      expect((JSON.parse(status.stdout) as StatusJson).pending).to.equal(0);
    });

    it('exits 2 with a named cause when no database is configured or the usage is wrong', async () => {
      const unconfigured = await cli.run(['status']);
      expect(unconfigured.code).to.equal(EXIT_CODES.usage);
      expect(unconfigured.stderr).to.contain('set DATABASE_URL');
      const unknown = await cli.run(['frobnicate'], env);
      expect(unknown.code).to.equal(EXIT_CODES.usage);
      expect(unknown.stderr).to.contain("unknown command 'frobnicate'");
      const missingFile = await cli.run(['status', '--config', '/nonexistent/ormconfig.js']);
      expect(missingFile.code).to.equal(EXIT_CODES.usage);
    });

    it('exits 1 when the database cannot be reached', async () => {
      const down = await cli.run(['status'], {
        DATABASE_URL: 'postgres://postgres@127.0.0.1:1/postgres',
      });
      expect(down.code).to.equal(EXIT_CODES.failure);
      expect(down.stderr).to.contain('cannot connect to the database');
    });
  });

  describe('inspect, stats, slots, archive on a stored stream', () => {
    let dataSource: DataSource;
    let repository: EventRepository;
    const id = randomUUID();
    const other = randomUUID();

    before(async () => {
      dataSource = createTesseraDataSource({ url: scratch.url, poolSize: 2 });
      await dataSource.initialize();
      repository = new EventRepository(dataSource);
      const account = BankAccount.open(id, new Owner('Ada', 'ada@example.com'), 'EUR');
      for (const amount of [10, 20, 30]) account.deposit(amount);
      await repository.save(account);
      await repository.save(BankAccount.open(other, new Owner('Bob', 'bob@example.com'), 'USD'));
    });

    after(async () => {
      if (dataSource?.isInitialized) await dataSource.destroy();
    });

    it('inspect prints the stream as a table, plain lines without terminal codes', async () => {
      const shown = await cli.run(['inspect', id], env);
      expect(shown.code, shown.stderr).to.equal(EXIT_CODES.ok);
      expect(shown.stdout).not.to.contain(ESC);
      const lines = shown.stdout.trim().split('\n');
      expect(lines[0]).to.equal(`BankAccount ${id}: 4 event(s)`);
      expect(lines[1]).to.match(/^VERSION +EVENT TYPE +CREATED AT +POSITION +WHERE +PAYLOAD$/);
      expect(lines.slice(2).map((l) => l.trim().split(/ +/).slice(0, 2))).to.deep.equal([
        ['1', 'BankAccount.AccountOpened'],
        ['2', 'BankAccount.MoneyDeposited'],
        ['3', 'BankAccount.MoneyDeposited'],
        ['4', 'BankAccount.MoneyDeposited'],
      ]);
    });

    it('inspect --json gives every event with its payload; unknown ids exit 3, bad ids 2', async () => {
      const json = await cli.run(['inspect', id, '--json'], env);
      const parsed = JSON.parse(json.stdout) as InspectJson;
      expect(parsed.aggregateType).to.equal('BankAccount');
      expect(parsed.events.map((e) => e.version)).to.deep.equal([1, 2, 3, 4]);
      expect(parsed.events[3].payload).to.deep.equal({ amount: 30 });
      expect((await cli.run(['inspect', randomUUID()], env)).code).to.equal(EXIT_CODES.notFound);
      const bad = await cli.run(['inspect', 'not-a-uuid'], env);
      expect(bad.code).to.equal(EXIT_CODES.usage);
      expect(bad.stderr).to.contain('must be a UUID');
    });

    it('stats counts events per type, stream lengths and sizes', async () => {
      const stats = await cli.run(['stats', '--json'], env);
      expect(stats.code, stats.stderr).to.equal(EXIT_CODES.ok);
      const parsed = JSON.parse(stats.stdout) as StatsJson;
      expect(parsed.eventTypes).to.deep.equal([
        { eventType: 'BankAccount.MoneyDeposited', hot: 3, archived: 0 },
        { eventType: 'BankAccount.AccountOpened', hot: 2, archived: 0 },
      ]);
      expect(parsed.streamLengths).to.include({ streams: 2, p50: 1, max: 4 });
      const events = parsed.sizes.find((s) => s.name === 'events' && s.kind === 'table');
      expect(events?.bytes).to.be.greaterThan(0);
      expect(parsed.sizes.map((s) => s.name)).to.include('uq_events_aggregate_version');
      const plain = await cli.run(['stats'], env);
      expect(plain.stdout).to.contain('Stream length: 2 streams, p50 1');
    });

    it('slots lists the server’s replication slots with their lag', async () => {
      const slot = `tessera_cli_${randomUUID().slice(0, 8)}`;
      await dataSource.query('SELECT pg_create_physical_replication_slot($1, true)', [slot]);
      try {
        const json = await cli.run(['slots', '--json'], env);
        expect(json.code, json.stderr).to.equal(EXIT_CODES.ok);
        const { slots } = JSON.parse(json.stdout) as { slots: { slotName: string }[] };
        expect(slots.map((s) => s.slotName)).to.include(slot);
        const plain = await cli.run(['slots'], env);
        expect(plain.stdout).to.match(new RegExp(`^${slot} `, 'm'));
      } finally {
        await dataSource.query('SELECT pg_drop_replication_slot($1)', [slot]);
      }
    });

    it('archive moves idle streams but their last event; loads and appends still work', async () => {
      const before = await repository.load(BankAccount, id);
      const young = await cli.run(['archive', '--older-than', '90 days', '--json'], env);
      expect(JSON.parse(young.stdout)).to.include({ events: 0, streams: 0 });
      await age(dataSource, '100 days');
      const dry = await cli.run(['archive', '--older-than', '90 days', '--dry-run', '--json'], env);
      expect(JSON.parse(dry.stdout)).to.deep.include({ pending: { streams: 1, events: 3 } });
      const archived = await cli.run(['archive', '--older-than', '90 days'], env);
      expect(archived.code, archived.stderr).to.equal(EXIT_CODES.ok);
      expect(archived.stdout).not.to.contain(ESC);
      expect(archived.stdout).to.contain('archived 3 events of 1 streams in 1 batches');
      const shown = JSON.parse(
        (await cli.run(['inspect', id, '--json'], env)).stdout,
      ) as InspectJson;
      expect(shown.events.map((e) => e.archived)).to.deep.equal([true, true, true, false]);

      const loaded = await repository.load(BankAccount, id);
      expect(loaded.version).to.equal(4);
      expect(loaded.balance).to.equal(before.balance);
      expect((await repository.readStream(id)).map((e) => e.version)).to.deep.equal([1, 2, 3, 4]);
      const strict = new EventRepository(dataSource, { archivedStreams: 'fail' });
      const refused = await strict.load(BankAccount, id).catch((e: unknown) => e);
      expect(refused).to.be.instanceOf(StreamArchivedError);
      expect(refused).to.include({ aggregateId: id, firstHotVersion: 4 });

      await repository.update(BankAccount, id, (a) => a.deposit(5));
      expect((await repository.load(BankAccount, id)).balance).to.equal(before.balance + 5);
      // A new stream under an archived id, and a writer at an archived version, both conflict.
      const reopened = BankAccount.open(id, new Owner('Eve', 'eve@example.com'), 'EUR');
      expect(await repository.save(reopened).catch((e: unknown) => e)).to.be.instanceOf(
        ConcurrencyError,
      );
      const stats = JSON.parse((await cli.run(['stats', '--json'], env)).stdout) as StatsJson;
      expect(stats.eventTypes).to.deep.include({
        eventType: 'BankAccount.MoneyDeposited',
        hot: 2,
        archived: 2,
      });
      expect(stats.streamLengths.max).to.equal(5);
    });

    it('revert refuses to drop an archive that holds events', async () => {
      // Down to the archive's migration: the ones after it revert, the archive's refuses.
      const steps = ALL.length - ALL.indexOf('CreateEventsArchive1732500030000');
      const refused = await cli.run(['revert', '--steps', String(steps)], env);
      expect(refused.code).to.equal(EXIT_CODES.failure);
      expect(refused.stderr).to.contain('events_archive holds archived events');
      expect((await cli.run(['migrate'], env)).code).to.equal(EXIT_CODES.ok);
      expect((await cli.run(['status'], env)).code).to.equal(EXIT_CODES.ok);
    });

    it('archive refuses a bad interval with exit code 2', async () => {
      const bad = await cli.run(['archive', '--older-than', 'soon'], env);
      expect(bad.code).to.equal(EXIT_CODES.usage);
      expect(bad.stderr).to.contain('--older-than must be a PostgreSQL interval');
      expect((await cli.run(['archive'], env)).code).to.equal(EXIT_CODES.usage);
    });
  });

  describe('health and replay-verify', () => {
    let own: ScratchDatabase;
    let ownEnv: Record<string, string>;
    let dataSource: DataSource;

    before(async () => {
      own = await createScratchDatabase((await ensureTestServer()).url, 'tessera_cli_verify');
      ownEnv = { DATABASE_URL: own.url };
      expect((await cli.run(['migrate'], ownEnv)).code).to.equal(EXIT_CODES.ok);
      dataSource = createTesseraDataSource({ url: own.url });
      await dataSource.initialize();
    });

    after(async () => {
      if (dataSource?.isInitialized) await dataSource.destroy();
      await own?.drop();
    });

    it('health reports every check, and exits 5 from the --fail-on status on', async () => {
      const json = await cli.run(['health', '--json'], ownEnv);
      const report = JSON.parse(json.stdout) as {
        status: string;
        checks: { name: string; status: string }[];
      };
      expect(report.checks.find((c) => c.name === 'connectivity')?.status).to.equal('ok');
      expect(report.checks.find((c) => c.name === 'migrations')?.status).to.equal('ok');
      // The server is shared with other suites (their slots count): read the outcome from the
      // report and check that the exit code agrees with it.
      expect(json.code).to.equal(
        report.status === 'critical' ? EXIT_CODES.unhealthy : EXIT_CODES.ok,
      );
      const strict = await cli.run(['health', '--fail-on', 'warn'], ownEnv);
      expect(strict.code).to.equal(report.status === 'ok' ? EXIT_CODES.ok : EXIT_CODES.unhealthy);
      expect(strict.stdout).to.match(/^CHECK +STATUS +SUMMARY$/m);
      expect(strict.stdout).to.contain('overall: ');
      const bad = await cli.run(['health', '--fail-on', 'never'], ownEnv);
      expect(bad.code).to.equal(EXIT_CODES.usage);
    });

    it('replay-verify names the stream that no longer loads and exits 1; none to check exits 0', async () => {
      // Aggregates as an application's compiled module declares them, against the built package.
      const module = join(cli.outDir, 'verify-aggregates.js');
      await writeFile(
        module,
        `const t = require(${JSON.stringify(join(cli.outDir, 'index.js'))});
const { IsInt } = require('class-validator');
class Counted { constructor(n) { this.n = n; } }
IsInt()(Counted.prototype, 'n');
t.DomainEvent('CliVerify.Counted')(Counted);
class Counter extends t.AggregateRoot {
  constructor(id) { super(id); this.total = 0; }
  onCounted(e) { this.total += e.n; }
}
t.Apply(Counted)(Counter.prototype, 'onCounted');
t.Aggregate('CliVerify.Counter')(Counter);
exports.Counter = Counter;
`,
      );
      const good = randomUUID();
      const bad = randomUUID();
      for (const [aggregateId, n] of [
        [good, 1],
        [bad, 'one'],
      ] as const) {
        await dataSource.query(
          'INSERT INTO events (id, aggregate_id, aggregate_type, event_type, version, payload, metadata) ' +
            "VALUES ($1, $2, 'CliVerify.Counter', 'CliVerify.Counted', 1, $3::jsonb, '{}'::jsonb)",
          [randomUUID(), aggregateId, JSON.stringify({ n })],
        );
      }
      const args = ['replay-verify', '--aggregates', module];
      const failed = await cli.run([...args, '--json'], ownEnv);
      expect(failed.code, failed.stderr).to.equal(EXIT_CODES.failure);
      const report = JSON.parse(failed.stdout) as {
        ok: boolean;
        streams: number;
        failures: { aggregateId: string; version: number; code: string }[];
      };
      expect(report).to.include({ ok: false, streams: 2 });
      expect(report.failures).to.have.length(1);
      expect(report.failures[0]).to.include({
        aggregateId: bad,
        version: 1,
        code: 'TESSERA_INVALID_EVENT',
      });
      const plain = await cli.run(args, ownEnv);
      expect(plain.stdout).to.contain(`FAILED CliVerify.Counter ${bad} at version 1`);
      expect(plain.stdout).not.to.contain(ESC);
      const none = await cli.run(
        [...args, '--aggregate-type', 'CliVerify.Nothing', '--json'],
        ownEnv,
      );
      expect(none.code, none.stderr).to.equal(EXIT_CODES.ok);
      expect(JSON.parse(none.stdout)).to.include({ ok: true, streams: 0 });
      const missing = await cli.run(
        ['replay-verify', '--aggregates', join(cli.outDir, 'none.js')],
        ownEnv,
      );
      expect(missing.code).to.equal(EXIT_CODES.usage);
      expect(missing.stderr).to.contain('cannot load');
    });
  });
});
