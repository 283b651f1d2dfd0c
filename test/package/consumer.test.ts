import { expect } from 'chai';
import { cp, mkdir, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { aggregateRepositoryContract, InMemoryEventRepository } from '../../src/testing';
import { createScratchDatabase, type ScratchDatabase } from '../../support/local-postgres';
import { ensureTestServer } from '../support/database';
import { runCommand } from './run-command';

/** The fields of package.json this test reads. */
interface Manifest {
  name: string;
  version: string;
  main: string;
  types: string;
  exports: Record<string, string | { types: string; default: string }>;
  peerDependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  [field: string]: unknown;
}

/** One entry of `npm pack --json`. */
interface PackResult {
  filename: string;
  files: { path: string }[];
}

/** What the app's main.ts prints (test/package/consumer-app/src/main.ts). */
const EXPECTED_FACTS = {
  version: 2,
  title: 'Notes on the Engine',
  authorIsAuthor: true,
  authorBorn: '1815-12-10T00:00:00.000Z',
  due: '2027-01-31T00:00:00.000Z',
  nestedRule: ['author.name'],
  topLevelRule: ['borrower'],
};

const REPO = join(__dirname, '..', '..');
const FIXTURE = join(__dirname, 'consumer-app');
const NPM_INSTALL = ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'];

/** Counts the tests of the repository contract by declaring it on a runner that only counts. */
function contractTestCount(): number {
  let count = 0;
  aggregateRepositoryContract('counted', () => new InMemoryEventRepository(), {
    describe: (_name, body) => body(),
    it: () => count++,
  });
  return count;
}

describe('tessera-es as a package an application installs', function () {
  // Packing, three installs (mostly from the npm cache) and six compiles.
  this.timeout(240_000);

  let manifest: Manifest;
  let root: string;
  let packed: PackResult;
  /** The libraries an application shares with Tessera, as the app asks for them. */
  let shared: Record<string, string>;
  /** Why TypeScript 7 could not be installed here, when it could not. */
  let typescript7Unavailable: string | undefined;
  let tarballDatabase: ScratchDatabase | undefined;
  let monorepoDatabase: ScratchDatabase | undefined;

  before(async function () {
    this.timeout(300_000);
    manifest = JSON.parse(await readFile(join(REPO, 'package.json'), 'utf8')) as Manifest;
    shared = manifest.peerDependencies;
    root = await mkdtemp(join(tmpdir(), 'tessera-consumer-'));
    const { stdout } = await runCommand(
      'npm',
      ['pack', '--json', '--loglevel=error', '--pack-destination', root],
      { cwd: REPO },
    );
    [packed] = JSON.parse(stdout) as PackResult[];
    const tarball = join(root, packed.filename);

    const tarballApp = join(root, 'tarball-app');
    await cp(FIXTURE, tarballApp, { recursive: true });
    await writeJson(join(tarballApp, 'package.json'), appManifest('module', `file:${tarball}`));

    // A monorepo: the library is a workspace next to the app, which names it by a file: path.
    // npm puts one copy of each shared library at the root, where both resolve it; the library's
    // tooling devDependencies (linters, test runners) are left out to keep the install small.
    const mono = join(root, 'monorepo');
    const library = join(mono, 'packages', 'tessera-es');
    await mkdir(library, { recursive: true });
    await runCommand('tar', ['-xzf', tarball, '-C', library, '--strip-components=1'], {
      cwd: root,
    });
    const libraryManifest = JSON.parse(
      await readFile(join(library, 'package.json'), 'utf8'),
    ) as Manifest;
    libraryManifest.devDependencies = Object.fromEntries(
      Object.keys(shared).map((name) => [name, manifest.devDependencies[name]]),
    );
    await writeJson(join(library, 'package.json'), libraryManifest);
    await cp(FIXTURE, join(mono, 'packages', 'app'), { recursive: true });
    await writeJson(
      join(mono, 'packages', 'app', 'package.json'),
      appManifest('commonjs', 'file:../tessera-es'),
    );
    await writeJson(join(mono, 'package.json'), {
      name: 'monorepo',
      private: true,
      workspaces: ['packages/*'],
    });

    const typescript7 = join(root, 'typescript7');
    await mkdir(typescript7);
    await writeJson(join(typescript7, 'package.json'), {
      private: true,
      devDependencies: { typescript: '^7' },
    });

    const server = await ensureTestServer();
    tarballDatabase = await createScratchDatabase(server.url, 'tessera_consumer_tarball');
    monorepoDatabase = await createScratchDatabase(server.url, 'tessera_consumer_monorepo');
    [typescript7Unavailable] = await Promise.all([
      runCommand('npm', NPM_INSTALL, { cwd: typescript7 }).then(
        () => undefined,
        (error: Error) => error.message,
      ),
      runCommand('npm', NPM_INSTALL, { cwd: tarballApp }),
      runCommand('npm', NPM_INSTALL, { cwd: mono }),
    ]);
  });

  after(async function () {
    this.timeout(60_000);
    try {
      await tarballDatabase?.drop();
      await monorepoDatabase?.drop();
    } finally {
      if (root !== undefined) await rm(root, { recursive: true, force: true });
    }
  });

  function appManifest(type: 'module' | 'commonjs', tessera: string): object {
    return {
      name: 'library-app',
      version: '1.0.0',
      private: true,
      type,
      dependencies: { [manifest.name]: tessera, ...shared },
      devDependencies: {
        typescript: manifest.devDependencies.typescript,
        '@types/node': manifest.devDependencies['@types/node'],
      },
    };
  }

  it('packs the library alone: the built entry points with their types, no tests or benchmarks', () => {
    const paths = packed.files.map((f) => f.path);
    const outside = paths.filter(
      (p) => !p.startsWith('dist/') && !['package.json', 'README.md', 'LICENSE'].includes(p),
    );
    expect(outside, 'files outside dist/').to.deep.equal([]);
    const strays = paths.filter(
      (p) =>
        /(^|\/)(test|tests|bench|examples|support)\//.test(p) ||
        /\.(test|spec)\.|\.map$|(?<!\.d)\.ts$/.test(p),
    );
    expect(strays, 'tests, benchmarks, sources or source maps').to.deep.equal([]);
    const entryPoints = [manifest.main, manifest.types, ...Object.values(manifest.exports)]
      .flatMap((target) => (typeof target === 'string' ? [target] : Object.values(target)))
      .map((target) => target.replace(/^\.\//, ''));
    expect(entryPoints).to.include.members(['dist/index.js', 'dist/testing/index.d.ts']);
    expect(paths).to.include.members(entryPoints);
  });

  describe('installed from its tarball, in an ES module app', () => {
    const app = (): string => join(root, 'tarball-app');
    const database = (): ScratchDatabase => defined(tarballDatabase);
    const tsc = (...args: string[]) =>
      runCommand(join(app(), 'node_modules', '.bin', 'tsc'), args, { cwd: app() });

    it('type-checks a strict domain with TypeScript 5.9 under bundler resolution', async () => {
      await tsc('-p', 'tsconfig.bundler.json');
    });

    it('type-checks it under legacy node (node10) resolution, where typesVersions serves ./testing', async () => {
      await tsc('-p', 'tsconfig.node10.json');
    });

    it('type-checks it with TypeScript 7 (native) under nodenext and bundler resolution', async function () {
      if (typescript7Unavailable !== undefined) {
        console.log(`    TypeScript 7 could not be installed here: ${typescript7Unavailable}`);
        this.skip();
      }
      const tsc7 = join(root, 'typescript7', 'node_modules', '.bin', 'tsc');
      for (const project of ['tsconfig.json', 'tsconfig.bundler.json']) {
        await runCommand(tsc7, ['-p', project, '--noEmit', '--skipLibCheck', 'false'], {
          cwd: app(),
        });
      }
    });

    behavesAsAnInstalledPackage(app, database, {
      // This compile also checks Tessera's declarations (skipLibCheck off) under strict.
      build: () => tsc('-p', 'tsconfig.json'),
      compiler: 'TypeScript 5.9 under nodenext resolution, declarations included',
    });
  });

  describe('through a file: dependency in an npm workspaces monorepo, in a CommonJS app', () => {
    const app = (): string => join(root, 'monorepo', 'packages', 'app');
    behavesAsAnInstalledPackage(app, () => defined(monorepoDatabase), {
      // The declarations were checked on the tarball; here the point is one copy of each library.
      build: () =>
        runCommand(
          join(root, 'monorepo', 'node_modules', '.bin', 'tsc'),
          ['-p', 'tsconfig.json', '--skipLibCheck'],
          { cwd: app() },
        ),
      compiler: 'TypeScript 5.9 under nodenext resolution',
    });
  });

  /** The checks both installs must pass; `build` compiles the app to its dist/. */
  function behavesAsAnInstalledPackage(
    app: () => string,
    database: () => ScratchDatabase,
    options: { build: () => Promise<unknown>; compiler: string },
  ): void {
    let built: Promise<unknown> | undefined;
    const build = (): Promise<unknown> => (built ??= options.build());
    const node = (...args: string[]) =>
      runCommand(process.execPath, args, { cwd: app(), env: { DATABASE_URL: database().url } });

    it(`type-checks and builds a strict domain with ${options.compiler}`, async () => {
      await build();
    });

    it('resolves class-transformer, class-validator, typeorm, pg and reflect-metadata to the copies the app has', async () => {
      const fromApp = createRequire(join(app(), 'package.json'));
      const fromTessera = createRequire(await realpath(fromApp.resolve(manifest.name)));
      const copies = Object.keys(shared).map((name) => ({
        name,
        app: fromApp.resolve(name),
        tessera: fromTessera.resolve(name),
      }));
      expect(copies.filter((c) => c.app !== c.tessera)).to.deep.equal([]);
    });

    it("saves and loads an aggregate, applying the app's @Type (Dates, a nested value object) and validation rules", async () => {
      await build();
      const { stdout } = await node(join('dist', 'main.js'));
      expect(JSON.parse(stdout.trim().split('\n').pop() ?? '')).to.deep.equal(EXPECTED_FACTS);
    });

    it('runs the repository contract from node:test, tessera-es/testing as the first import', async () => {
      await build();
      const { stdout } = await node(
        '--test',
        '--test-reporter=tap',
        join('dist', 'repository-contract.js'),
      );
      const count = (label: string): number =>
        Number(new RegExp(`^# ${label} (\\d+)$`, 'm').exec(stdout)?.[1] ?? NaN);
      // Both repositories run the contract, plus the reflect-metadata check.
      expect({ pass: count('pass'), fail: count('fail') }).to.deep.equal({
        pass: 2 * contractTestCount() + 1,
        fail: 0,
      });
    });
  }
});

function defined<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('the suite did not set up (see its before hook)');
  return value;
}

function writeJson(path: string, value: object): Promise<void> {
  return writeFile(path, `${JSON.stringify(value, null, 2)}\n`);
}
