import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');
/** Where bench/tsconfig.json compiles to. */
const OUT_DIR = join(ROOT, '.tmp', 'bench-build');

/**
 * Compiles the child and everything it imports to plain JavaScript, so children start without
 * ts-node: faster, and the TypeScript compiler's own memory is not in the child's peak RSS.
 * Returns the path of the compiled child.
 */
export function buildChildren(): string {
  const tsc = require.resolve('typescript/bin/tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', join(__dirname, 'tsconfig.json')], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  const child = join(OUT_DIR, 'bench', 'child.js');
  if (result.status !== 0) {
    // tsc still emits on type errors; a bench run should not wait for someone's unfinished types.
    process.stderr.write(`${result.stdout}${result.stderr}`);
    if (!existsSync(child)) throw new Error('tsc emitted no bench child');
    process.stderr.write('bench: tsc reported type errors (above); running what it emitted\n');
  }
  return child;
}
