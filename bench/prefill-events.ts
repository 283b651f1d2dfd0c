import { randomUUID } from 'node:crypto';
import { DEPOSITED, depositedPayload, eventMetadata, OPENED, openedPayload } from './bank-events';

/** The part of a pg Pool or Client this needs. */
interface Queryable {
  query(text: string, values?: unknown[]): Promise<unknown>;
}

// One statement writes the whole stream server-side: a million rows cost no client memory, and
// every row has the shape EventRepository.save writes for BankAccount (version 1 opens it).
const PREFILL_SQL = `
  INSERT INTO events (id, aggregate_id, aggregate_type, event_type, version, payload, metadata)
  SELECT gen_random_uuid(), $1::uuid, 'BankAccount',
         CASE WHEN v = 1 THEN $2 ELSE $3 END,
         v,
         CASE WHEN v = 1 THEN $4::jsonb ELSE $5::jsonb END,
         $6::jsonb
  FROM generate_series(1, $7::int) AS v`;

/**
 * Writes a BankAccount stream of `events` events (AccountOpened, then deposits of 1) straight
 * into tessera's events table. Returns the aggregate id.
 */
export async function prefillEvents(db: Queryable, events: number): Promise<string> {
  const id = randomUUID();
  await db.query(PREFILL_SQL, [
    id,
    OPENED,
    DEPOSITED,
    JSON.stringify(openedPayload()),
    JSON.stringify(depositedPayload()),
    JSON.stringify(eventMetadata()),
    events,
  ]);
  return id;
}
