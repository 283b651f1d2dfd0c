/**
 * `npm test`: the suite twice, once directly against the server (DATABASE_URL, or an embedded
 * one) and once through a real PgBouncer in transaction pooling mode in front of that server,
 * without the specs listed in session-bound-tests.ts. The last line is the total,
 * `N passed, N failed[, N skipped]`, the one CI reads. Without PgBouncer installed the pooled
 * pass is skipped, and says so.
 *
 * Extra arguments go to both mocha runs. TESSERA_TEST_PASSES=direct (or =pooled) runs only that
 * pass.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { startLocalPostgres } from '../../support/local-postgres';
import { pgBouncerInstalled, startPgBouncer } from '../../support/pgbouncer';
import { SESSION_BOUND_TESTS } from './session-bound-tests';

interface PassResult {
  readonly passed: number;
  readonly failed: number;
  readonly skipped: number;
  readonly exitCode: number;
}

const SUMMARY = /^(\d+) passed, (\d+) failed(?:, (\d+) skipped)?$/;
const MOCHA = join(__dirname, '..', '..', 'node_modules', 'mocha', 'bin', 'mocha.js');

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const only = process.env.TESSERA_TEST_PASSES;
  const results: PassResult[] = only === 'pooled' ? [] : [await runMocha(args, {})];

  if (only === 'direct') {
    process.stdout.write('pooled pass skipped: TESSERA_TEST_PASSES=direct\n');
  } else if (!pgBouncerInstalled()) {
    process.stdout.write('pooled pass skipped: PgBouncer is not installed\n');
  } else {
    results.push(await pooledPass(args));
  }

  const total = results.reduce<PassResult>(
    (sum, r) => ({
      passed: sum.passed + r.passed,
      failed: sum.failed + r.failed,
      skipped: sum.skipped + r.skipped,
      exitCode: sum.exitCode || r.exitCode,
    }),
    { passed: 0, failed: 0, skipped: 0, exitCode: 0 },
  );
  const parts = [`${total.passed} passed`, `${total.failed} failed`];
  if (total.skipped > 0) parts.push(`${total.skipped} skipped`);
  process.stdout.write(`${parts.join(', ')}\n`);
  process.exitCode = total.exitCode !== 0 || total.failed > 0 ? 1 : 0;
}

async function pooledPass(args: readonly string[]): Promise<PassResult> {
  const server = await startLocalPostgres();
  try {
    const bouncer = await startPgBouncer(server.url);
    try {
      process.stdout.write(
        `\npooled pass: through PgBouncer (transaction mode) at ${bouncer.url}\n`,
      );
      return await runMocha([...sessionBoundArgs(), ...args], {
        DATABASE_URL: bouncer.url,
        TESSERA_TEST_POOLING: 'transaction',
      });
    } finally {
      await bouncer.stop();
    }
  } finally {
    await server.stop();
  }
}

/** mocha arguments that leave out the session-bound specs and tests. */
function sessionBoundArgs(): string[] {
  const args: string[] = [];
  const titles: string[] = [];
  for (const entry of SESSION_BOUND_TESTS) {
    if ('spec' in entry) args.push('--ignore', entry.spec);
    else titles.push(entry.title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  }
  if (titles.length > 0) args.push('--grep', titles.join('|'), '--invert');
  return args;
}

/** Runs mocha with the project's .mocharc; the counts come from its summary line. */
function runMocha(args: readonly string[], env: NodeJS.ProcessEnv): Promise<PassResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MOCHA, ...args], {
      env: { ...process.env, ...env },
      stdio: ['inherit', 'pipe', 'inherit'],
    });
    let last: RegExpExecArray | null = null;
    let pending = '';
    child.stdout.on('data', (chunk: Buffer) => {
      process.stdout.write(chunk);
      const lines = (pending + chunk.toString()).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) last = SUMMARY.exec(line) ?? last;
    });
    child.once('error', reject);
    child.once('close', (code) => {
      const summary = SUMMARY.exec(pending) ?? last;
      // No summary: mocha died before its reporter could count (a spec failed to compile).
      if (summary === null) {
        resolve({ passed: 0, failed: 1, skipped: 0, exitCode: code || 1 });
        return;
      }
      resolve({
        passed: Number(summary[1]),
        failed: Number(summary[2]),
        skipped: Number(summary[3] ?? 0),
        exitCode: code ?? 1,
      });
    });
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`${String((error as Error)?.stack ?? error)}\n`);
  process.stdout.write('0 passed, 1 failed\n');
  process.exitCode = 1;
});
