import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const REPO = join(__dirname, '..', '..', '..');

/** What one run of the built `tessera` binary did. */
export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The `tessera` CLI compiled from src into a folder of its own, run as a child process. */
export interface BuiltCli {
  /** The compiled package root (what `dist/` would hold). */
  readonly outDir: string;
  /** Runs `node <outDir>/cli/main.js ...args` with `env` (no DATABASE_URL unless given). */
  run(args: readonly string[], env?: Readonly<Record<string, string>>): Promise<CliRun>;
  remove(): Promise<void>;
}

/**
 * Compiles the package with its build tsconfig into `.tmp/` (inside the repository, so the
 * compiled files resolve this repository's node_modules), as `npm run build` does into dist/.
 */
export async function buildCli(): Promise<BuiltCli> {
  const outDir = join(REPO, '.tmp', `cli-${randomBytes(4).toString('hex')}`);
  await run(
    process.execPath,
    [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', outDir],
    { cwd: REPO },
  );
  const main = join(outDir, 'cli', 'main.js');
  const base = Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) => name !== 'DATABASE_URL' && !name.toLowerCase().startsWith('npm_'),
    ),
  );
  return {
    outDir,
    run: (args, env = {}) =>
      new Promise((resolve) => {
        execFile(
          process.execPath,
          [main, ...args],
          { cwd: REPO, env: { ...base, ...env }, maxBuffer: 16 * 1024 * 1024 },
          (error, stdout, stderr) => {
            const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
            resolve({ code, stdout, stderr });
          },
        );
      }),
    remove: () => rm(outDir, { recursive: true, force: true }),
  };
}
