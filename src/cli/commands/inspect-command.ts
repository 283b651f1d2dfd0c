import type { Command } from 'commander';
import { isUuid } from '../../domain/model/uuid';
import { EVENTS_ARCHIVE_TABLE, EVENTS_TABLE } from '../../migrations/schema-names';
import type { CliCommand } from '../cli-command';
import { CliError } from '../cli-error';
import { EXIT_CODES } from '../exit-codes';

/** One event of the inspected stream. */
interface InspectedEvent {
  version: number;
  eventType: string;
  aggregateType: string;
  createdAt: string;
  position: string;
  archived: boolean;
  id: string;
  payload: unknown;
  metadata: unknown;
}

const PAYLOAD_WIDTH = 60;

/** `tessera inspect <aggregateId>`: the stream's events as a table, archived ones included. */
export const inspectCommand: CliCommand = {
  name: 'inspect <aggregateId>',
  description: 'show one aggregate’s stream as a table (exit code 3 when it has no events)',
  configure(command: Command) {
    command.option('--limit <n>', 'show at most n events (from the start)');
  },
  async run({ output, dataSource }, args, options) {
    const aggregateId = String(args[0]);
    if (!isUuid(aggregateId)) {
      throw new CliError(
        `aggregate id must be a UUID, got ${JSON.stringify(args[0])}`,
        EXIT_CODES.usage,
      );
    }
    const limit = options.limit === undefined ? null : Number(options.limit);
    if (limit !== null && (!Number.isInteger(limit) || limit < 1)) {
      throw new CliError(`--limit must be a positive integer`, EXIT_CODES.usage);
    }
    const db = await dataSource();
    const [{ archive }] = await db.query<{ archive: boolean }[]>(
      `SELECT to_regclass($1) IS NOT NULL AS archive`,
      [EVENTS_ARCHIVE_TABLE],
    );
    const columns =
      'id::text, version, event_type AS "eventType", aggregate_type AS "aggregateType", ' +
      'created_at AS "createdAt", position::text, payload, metadata';
    const archived = archive
      ? ` UNION ALL SELECT ${columns}, true AS archived FROM "${EVENTS_ARCHIVE_TABLE}" WHERE aggregate_id = $1`
      : '';
    const rows = await db.query<(Omit<InspectedEvent, 'createdAt'> & { createdAt: Date })[]>(
      `SELECT * FROM (SELECT ${columns}, false AS archived FROM "${EVENTS_TABLE}" ` +
        `WHERE aggregate_id = $1${archived}) s ORDER BY version LIMIT $2`,
      [aggregateId.toLowerCase(), limit],
    );
    if (rows.length === 0) {
      output.note(`no events for aggregate ${aggregateId}`);
      output.result({ aggregateId, events: [] }, () => {});
      return EXIT_CODES.notFound;
    }
    const events: InspectedEvent[] = rows.map((r) => ({
      ...r,
      createdAt: r.createdAt.toISOString(),
    }));
    output.result({ aggregateId, aggregateType: events[0].aggregateType, events }, () => {
      output.line(`${events[0].aggregateType} ${aggregateId}: ${events.length} event(s)`);
      output.table(events, [
        { heading: 'VERSION', value: (e) => String(e.version), right: true },
        { heading: 'EVENT TYPE', value: (e) => e.eventType },
        { heading: 'CREATED AT', value: (e) => e.createdAt },
        { heading: 'POSITION', value: (e) => e.position, right: true },
        { heading: 'WHERE', value: (e) => (e.archived ? 'archive' : 'hot') },
        { heading: 'PAYLOAD', value: (e) => truncate(JSON.stringify(e.payload)) },
      ]);
    });
    return EXIT_CODES.ok;
  },
};

function truncate(text: string): string {
  return text.length <= PAYLOAD_WIDTH ? text : `${text.slice(0, PAYLOAD_WIDTH - 1)}…`;
}
