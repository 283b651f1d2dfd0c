/**
 * Names shared by the change-feed migration, the consumers and the documentation (the Debezium
 * connector config names the publication too).
 */

/** Publication of the `events` table, inserts only: what pgoutput consumers subscribe to. */
export const EVENTS_PUBLICATION = 'tessera_events';

/** LISTEN/NOTIFY channel that wakes ordered-feed readers. */
export const CHANGE_FEED_CHANNEL = 'tessera_events';
