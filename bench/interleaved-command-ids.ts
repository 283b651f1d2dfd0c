import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';

/**
 * Runs `bench/idempotency.ts` against `url` in a child process and resolves with its markdown
 * table: appends with and without a command id interleaved one by one in the same process, so
 * the load of other work on the machine falls on both alike. The separate-process rounds of the
 * `tessera-keyed` contender swing by more than the 5% target between rounds; this is the
 * measurement the target is read from.
 */
export async function interleavedCommandIds(url: string): Promise<string> {
  const root = join(__dirname, '..');
  const child = spawn(
    process.execPath,
    ['-r', 'ts-node/register', join(__dirname, 'idempotency.ts')],
    { cwd: root, env: { ...process.env, DATABASE_URL: url }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`bench/idempotency.ts exited ${code}: ${stderr.trim()}`);
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('|'))
    .join('\n');
}
