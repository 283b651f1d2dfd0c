import { MigrationInterface, QueryRunner } from 'typeorm';
import {
  AGGREGATE_VERSION_CONSTRAINT,
  ARCHIVE_AGGREGATE_VERSION_CONSTRAINT,
  EVENTS_ARCHIVE_TABLE,
  EVENTS_TABLE,
} from './schema-names';
import { CDC_ROLE } from './1732500003000-CreatePublication';
import {
  APPEND_ONLY_VIOLATION,
  EVENT_MUTATION_SETTING,
  MAINTAINER_ROLE,
  WRITER_ROLE,
} from './1732500002000-AppendOnlyEvents';

const APPEND_ONLY_FUNCTION = 'tessera_reject_archive_mutation';
const ARCHIVE_APPEND_ONLY_TRIGGER = 'trg_events_archive_append_only';
const GUARD_FUNCTION = 'tessera_refuse_archived_stream_start';
const GUARD_TRIGGER = 'trg_events_archived_stream_start';

/**
 * Creates `events_archive`, where the archiver (`tessera archive`) moves old events, and the one
 * guard the version guarantee needs once a stream's prefix lives there.
 *
 * The archiver moves every event of an idle stream except its last one, which stays in `events`
 * as the stream's head. So `UNIQUE (aggregate_id, version)` and the append statement's gap guard
 * (the expected version must be stored in `events`) still decide every append to an archived
 * stream: a writer at the head version appends after it, a stale writer at an archived version
 * fails the gap guard as a conflict. The one append neither sees is a new stream's first event
 * written with an id whose version 1 is archived: an `AFTER INSERT` row trigger, fired only for
 * version-1 rows (`WHEN`), raises the same unique violation the constraint would. It runs after
 * the row's index entry, with a fresh snapshot, so an archive batch committing meanwhile is seen.
 *
 * The archive is append-only like `events` (the same check: only the maintainer's escape
 * hatch may delete from it), readable by the writer role (loads fall back to it) and the
 * CDC role, writable by the maintainer role. It is deliberately not in the publication.
 */
export class CreateEventsArchive1732500030000 implements MigrationInterface {
  /** Stable name recorded in TypeORM's `migrations` table. */
  name = 'CreateEventsArchive1732500030000';

  /** Creates the table, its triggers and its grants. */
  public async up(queryRunner: QueryRunner): Promise<void> {
    const [{ schema }] = (await queryRunner.query('SELECT current_schema() AS schema')) as {
      schema: string;
    }[];
    await queryRunner.query(`
      CREATE TABLE "${EVENTS_ARCHIVE_TABLE}" (
        "id" UUID PRIMARY KEY,
        "aggregate_id" UUID NOT NULL,
        "aggregate_type" VARCHAR(255) NOT NULL,
        "event_type" VARCHAR(255) NOT NULL,
        "version" INTEGER NOT NULL,
        "payload" JSONB NOT NULL,
        "metadata" JSONB NOT NULL,
        "created_at" TIMESTAMPTZ NOT NULL,
        "position" BIGINT NOT NULL,
        "transaction_id" XID8 NOT NULL,
        "archived_at" TIMESTAMPTZ NOT NULL DEFAULT NOW(),
        CONSTRAINT "${ARCHIVE_AGGREGATE_VERSION_CONSTRAINT}" UNIQUE ("aggregate_id", "version")
      )
    `);
    // Its own copy of AppendOnlyEvents' check, so each migration reverts on its own.
    await queryRunner.query(`
      CREATE FUNCTION "${APPEND_ONLY_FUNCTION}"() RETURNS trigger
      LANGUAGE plpgsql SET search_path = pg_catalog AS $fn$
      BEGIN
        IF current_setting('${EVENT_MUTATION_SETTING}', true) = 'on'
           AND coalesce(pg_has_role(current_user, to_regrole('${MAINTAINER_ROLE}'), 'MEMBER'), false)
        THEN
          RETURN NULL;
        END IF;
        RAISE EXCEPTION 'archived events are append-only: % on %.% refused', TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME
          USING ERRCODE = '${APPEND_ONLY_VIOLATION}',
                HINT = 'A member of ${MAINTAINER_ROLE} runs SET LOCAL ${EVENT_MUTATION_SETTING} = ''on'' first.';
      END
      $fn$
    `);
    await queryRunner.query(`
      CREATE TRIGGER "${ARCHIVE_APPEND_ONLY_TRIGGER}" BEFORE UPDATE OR DELETE OR TRUNCATE
      ON "${EVENTS_ARCHIVE_TABLE}" FOR EACH STATEMENT EXECUTE FUNCTION "${APPEND_ONLY_FUNCTION}"()
    `);
    await queryRunner.query(
      `ALTER TABLE "${EVENTS_ARCHIVE_TABLE}" ENABLE ALWAYS TRIGGER "${ARCHIVE_APPEND_ONLY_TRIGGER}"`,
    );
    // The schema is fixed at migration time: search_path is pinned (see AppendOnlyEvents).
    await queryRunner.query(`
      CREATE FUNCTION "${GUARD_FUNCTION}"() RETURNS trigger
      LANGUAGE plpgsql SET search_path = pg_catalog AS $fn$
      BEGIN
        IF EXISTS (SELECT 1 FROM ${quoted(schema)}."${EVENTS_ARCHIVE_TABLE}"
                   WHERE aggregate_id = NEW.aggregate_id AND version = NEW.version) THEN
          RAISE EXCEPTION 'duplicate key value violates unique constraint "${AGGREGATE_VERSION_CONSTRAINT}"'
            USING ERRCODE = 'unique_violation',
                  CONSTRAINT = '${AGGREGATE_VERSION_CONSTRAINT}',
                  DETAIL = format('Key (aggregate_id, version)=(%s, %s) already exists (archived).',
                                  NEW.aggregate_id, NEW.version);
        END IF;
        RETURN NULL;
      END
      $fn$
    `);
    await queryRunner.query(`
      CREATE TRIGGER "${GUARD_TRIGGER}" AFTER INSERT ON "${EVENTS_TABLE}"
      FOR EACH ROW WHEN (NEW.version = 1) EXECUTE FUNCTION "${GUARD_FUNCTION}"()
    `);
    await queryRunner.query(
      `ALTER TABLE "${EVENTS_TABLE}" ENABLE ALWAYS TRIGGER "${GUARD_TRIGGER}"`,
    );
    await queryRunner.query(grant(WRITER_ROLE, 'SELECT'));
    await queryRunner.query(grant(CDC_ROLE, 'SELECT'));
    await queryRunner.query(grant(MAINTAINER_ROLE, 'SELECT, INSERT, DELETE, TRUNCATE'));
  }

  /** Drops the guard and the table; refuses while the archive holds events (restore them first). */
  public async down(queryRunner: QueryRunner): Promise<void> {
    // Dropping the table would destroy archived history: the only copy of those events.
    await queryRunner.query(`
      DO $do$
      BEGIN
        IF EXISTS (SELECT 1 FROM "${EVENTS_ARCHIVE_TABLE}") THEN
          RAISE EXCEPTION 'events_archive holds archived events: restore them to events before reverting'
            USING ERRCODE = '${APPEND_ONLY_VIOLATION}';
        END IF;
      END
      $do$
    `);
    await queryRunner.query(`DROP TRIGGER "${GUARD_TRIGGER}" ON "${EVENTS_TABLE}"`);
    await queryRunner.query(`DROP FUNCTION "${GUARD_FUNCTION}"()`);
    await queryRunner.query(`DROP TABLE "${EVENTS_ARCHIVE_TABLE}"`);
    await queryRunner.query(`DROP FUNCTION "${APPEND_ONLY_FUNCTION}"()`);
  }
}

function quoted(schema: string): string {
  return `"${schema.replace(/"/g, '""')}"`;
}

function grant(role: string, privileges: string): string {
  return `
    DO $do$
    BEGIN
      IF to_regrole('${role}') IS NOT NULL THEN
        GRANT ${privileges} ON TABLE "${EVENTS_ARCHIVE_TABLE}" TO "${role}";
      END IF;
    END
    $do$
  `;
}
