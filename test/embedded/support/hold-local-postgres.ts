/**
 * Child process of the cleanup tests: starts a server through startLocalPostgres (the code path
 * of the demo, the tests and the benchmarks), prints `up <dataDir> <url>`, and once its stdin
 * ends prints `stopping` and stops the server.
 *
 * Usage: node -r ts-node/register test/embedded/support/hold-local-postgres.ts
 */
import { once } from 'node:events';
import { startLocalPostgres } from '../../../support/local-postgres';

async function main(): Promise<void> {
  const server = await startLocalPostgres();
  process.stdout.write(`up ${server.dataDir ?? '-'} ${server.url}\n`);
  process.stdin.resume();
  await once(process.stdin, 'end');
  // In the same tick as the call: a signal handled after this line finds stop() under way.
  process.stdout.write('stopping\n');
  await server.stop();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
