import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** support/debezium: the Maven project of the pipeline's Java side and its config files. */
export const DEBEZIUM_SUPPORT_DIR = join(__dirname, '..', '..', '..', 'support', 'debezium');

/** The commands of {@link javaToolchain} that are not on PATH (empty when both run). */
export function missingJavaTools(): string[] {
  const probes: [string, string[]][] = [
    ['java', ['-version']],
    ['mvn', ['-v']],
  ];
  return probes
    .filter(([command, args]) => spawnSync(command, args, { stdio: 'ignore' }).status !== 0)
    .map(([command]) => command);
}

/**
 * The classpath of support/debezium/pom.xml (broker, Connect, Debezium), resolved by Maven into
 * its local repository: a download on the first run, a few seconds once cached.
 */
export async function resolveClasspath(timeoutMs: number): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-cdc-cp-'));
  const outputFile = join(dir, 'classpath.txt');
  try {
    const args = [
      '-q',
      '-B',
      '-f',
      join(DEBEZIUM_SUPPORT_DIR, 'pom.xml'),
      'dependency:build-classpath',
      `-Dmdep.outputFile=${outputFile}`,
    ];
    const output = await run('mvn', args, timeoutMs);
    const classpath = readFileSync(outputFile, 'utf8').trim();
    if (classpath === '') throw new Error(`mvn resolved an empty classpath:\n${output}`);
    return classpath;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function run(command: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (code === 0) resolve(output);
      else reject(new Error(`${command} ${args.join(' ')} exited ${code ?? signal}:\n${output}`));
    });
  });
}
