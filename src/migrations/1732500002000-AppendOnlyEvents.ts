import { MigrationInterface, QueryRunner } from 'typeorm';
import { createRoleSql } from './create-role-sql';
import { EVENTS_TABLE, SNAPSHOTS_TABLE } from './schema-names';

/** NOLOGIN role whose members may use the erasure/archival escape hatch (cluster-wide). */
export const MAINTAINER_ROLE = 'tessera_maintainer';

/** NOLOGIN least-privilege role for applications: INSERT and SELECT on `events`, nothing else. */
export const WRITER_ROLE = 'tessera_writer';

/**
 * Transaction-local setting that opens the escape hatch, for members of {@link MAINTAINER_ROLE}
 * only: `SET LOCAL tessera.allow_event_mutation = 'on'`.
 */
export const EVENT_MUTATION_SETTING = 'tessera.allow_event_mutation';

/** SQLSTATE raised when an UPDATE, DELETE or TRUNCATE of `events` is refused. */
export const APPEND_ONLY_VIOLATION = 'TS001';

const FUNCTION = 'tessera_reject_event_mutation';
const TRIGGER = 'trg_events_append_only';

/**
 * Makes `events` append-only in the database itself, so no code path (a bug, a hand-written
 * fix-up, a compromised application) can rewrite history:
 *
 * - a statement trigger refuses UPDATE, DELETE and TRUNCATE with SQLSTATE `TS001`. It is
 *   `ENABLE ALWAYS`, so `session_replication_role = replica` does not switch it off either;
 * - the escape hatch for erasure (GDPR) and archival: in one transaction, a member of
 *   `tessera_maintainer` runs `SET LOCAL tessera.allow_event_mutation = 'on'` first. A superuser
 *   counts as a member of every role, so it too must set it: no mutation happens by accident;
 * - `tessera_writer` gets SELECT and INSERT on `events` only (plus SELECT, INSERT and UPDATE on
 *   `snapshots`, a cache the repository upserts), `tessera_maintainer` SELECT, UPDATE, DELETE and
 *   TRUNCATE on `events`. Both roles are NOLOGIN: grant them to your login roles. Later
 *   migrations grant their own tables to `tessera_writer`.
 *
 * Roles belong to the whole cluster, not to one database: they are created only if missing
 * (tolerating a concurrent migration creating them too), and skipped with a WARNING when the
 * migrating user lacks CREATEROLE (the trigger is installed regardless; create the roles and rerun
 * the grants as in docs/reliability.md). For the same reason `down()` drops the trigger, the
 * function and this table's grants, but leaves the roles to other databases that may use them.
 */
export class AppendOnlyEvents1732500002000 implements MigrationInterface {
  /** Stable name recorded in TypeORM's `migrations` table. */
  name = 'AppendOnlyEvents1732500002000';

  /** Installs the trigger, creates the roles if needed and grants their privileges. */
  public async up(queryRunner: QueryRunner): Promise<void> {
    // search_path is pinned: with a writable schema ahead of pg_catalog, a caller could otherwise
    // shadow pg_has_role() or `=` and talk the check into yes.
    await queryRunner.query(`
      CREATE FUNCTION "${FUNCTION}"() RETURNS trigger
      LANGUAGE plpgsql SET search_path = pg_catalog AS $fn$
      BEGIN
        IF current_setting('${EVENT_MUTATION_SETTING}', true) = 'on'
           AND coalesce(pg_has_role(current_user, to_regrole('${MAINTAINER_ROLE}'), 'MEMBER'), false)
        THEN
          RETURN NULL;
        END IF;
        RAISE EXCEPTION 'events are append-only: % on %.% refused', TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME
          USING ERRCODE = '${APPEND_ONLY_VIOLATION}',
                HINT = 'To erase or archive, a member of ${MAINTAINER_ROLE} runs '
                       'SET LOCAL ${EVENT_MUTATION_SETTING} = ''on'' in the same transaction first '
                       '(see docs/reliability.md).';
      END
      $fn$
    `);
    // FOR EACH STATEMENT: TRUNCATE has no rows, and an UPDATE matching nothing is refused too.
    await queryRunner.query(`
      CREATE TRIGGER "${TRIGGER}" BEFORE UPDATE OR DELETE OR TRUNCATE ON "${EVENTS_TABLE}"
      FOR EACH STATEMENT EXECUTE FUNCTION "${FUNCTION}"()
    `);
    await queryRunner.query(`ALTER TABLE "${EVENTS_TABLE}" ENABLE ALWAYS TRIGGER "${TRIGGER}"`);

    for (const role of [MAINTAINER_ROLE, WRITER_ROLE])
      await queryRunner.query(
        createRoleSql(role, 'create it and rerun the grants of docs/reliability.md'),
      );
    await queryRunner.query(grant(WRITER_ROLE, 'SELECT, INSERT'));
    await queryRunner.query(`
      DO $do$
      BEGIN
        IF to_regrole('${WRITER_ROLE}') IS NOT NULL AND to_regclass('"${SNAPSHOTS_TABLE}"') IS NOT NULL THEN
          GRANT SELECT, INSERT, UPDATE ON TABLE "${SNAPSHOTS_TABLE}" TO "${WRITER_ROLE}";
        END IF;
      END
      $do$
    `);
    await queryRunner.query(grant(MAINTAINER_ROLE, 'SELECT, UPDATE, DELETE, TRUNCATE'));
  }

  /** Drops the trigger, its function and this table's grants; keeps the cluster-wide roles. */
  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER "${TRIGGER}" ON "${EVENTS_TABLE}"`);
    await queryRunner.query(`DROP FUNCTION "${FUNCTION}"()`);
    for (const role of [WRITER_ROLE, MAINTAINER_ROLE]) {
      await queryRunner.query(`
        DO $do$
        BEGIN
          IF to_regrole('${role}') IS NOT NULL THEN
            REVOKE ALL ON TABLE "${EVENTS_TABLE}" FROM "${role}";
            IF to_regclass('"${SNAPSHOTS_TABLE}"') IS NOT NULL THEN
              REVOKE ALL ON TABLE "${SNAPSHOTS_TABLE}" FROM "${role}";
            END IF;
          END IF;
        END
        $do$
      `);
    }
  }
}

/**
 * A DO block granting table privileges (and schema usage) on `events` to a role, if it exists.
 * No USAGE on the position sequence: inserting into an identity column does not need it, and it
 * would let the role call nextval() and burn positions.
 */
function grant(role: string, privileges: string): string {
  return `
    DO $do$
    BEGIN
      IF to_regrole('${role}') IS NULL THEN
        RETURN;
      END IF;
      GRANT ${privileges} ON TABLE "${EVENTS_TABLE}" TO "${role}";
      IF NOT has_schema_privilege('${role}', current_schema(), 'USAGE') THEN
        EXECUTE format('GRANT USAGE ON SCHEMA %I TO %I', current_schema(), '${role}');
      END IF;
    END
    $do$
  `;
}
