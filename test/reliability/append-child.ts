/**
 * Child process of the crash test: appends big batches to the event store in a loop while the
 * parent kills and restarts PostgreSQL under it. One line on stdout per fact, parsed by the parent:
 *
 *   begin <aggregateId> <fromVersion> <toVersion> <firstEventId> <lastEventId>
 *   ack <aggregateId> <fromVersion> <toVersion>
 *   fail <aggregateId> <fromVersion> <toVersion> <reason>
 *
 * Usage: APPEND_CHILD_URL=<databaseUrl> node -r ts-node/register test/reliability/append-child.ts <eventsPerSave>
 * (the URL, with its password, in the environment: argv is readable by every local user)
 * Stops after the current save when a line `stop` (or end of input) arrives on stdin.
 */
import 'reflect-metadata';
import { createTesseraDataSource, EventRepository } from '../../src';
import { Probe } from './support/probe';

const url = process.env.APPEND_CHILD_URL;
const [eventsArgument] = process.argv.slice(2);
const eventsPerSave = Number(eventsArgument);
let stopping = false;

process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk: string) => {
  if (chunk.includes('stop')) stopping = true;
});
process.stdin.on('end', () => {
  stopping = true;
});

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

function backoff(ms: number): Promise<void> {
  // Not synchronisation: only keeps a loop of refused connections from spinning while the server is down.
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function main(): Promise<void> {
  if (url === undefined) throw new Error('APPEND_CHILD_URL is not set');
  const dataSource = createTesseraDataSource({ url, poolSize: 2, statementTimeoutMs: 15_000 });
  await dataSource.initialize();
  const repository = new EventRepository(dataSource);
  let current: Probe | undefined;
  while (!stopping) {
    // Half the time a new stream, otherwise the next batch of the last acknowledged one.
    const probe = current && Math.random() < 0.5 ? current : new Probe();
    for (let i = 0; i < eventsPerSave; i++) probe.record(i);
    const envelopes = probe.getUncommittedEnvelopes();
    const range = `${probe.id} ${envelopes[0].version} ${envelopes[envelopes.length - 1].version}`;
    say(`begin ${range} ${envelopes[0].eventId} ${envelopes[envelopes.length - 1].eventId}`);
    try {
      await repository.save(probe);
      say(`ack ${range}`);
      current = probe;
    } catch (error) {
      // In doubt: the commit may or may not have happened. Never reuse this instance.
      say(`fail ${range} ${String((error as Error).message).replace(/\s+/g, ' ')}`);
      current = undefined;
      await backoff(50);
    }
  }
  await dataSource.destroy();
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`append-child: ${String((error as Error)?.stack ?? error)}\n`);
    process.exit(1);
  },
);
