import { MigrationInterface, QueryRunner } from 'typeorm';
import { createRoleSql } from './create-role-sql';
import { EVENTS_PUBLICATION, EVENTS_TABLE } from './schema-names';

/**
 * NOLOGIN role holding what a change-data-capture user needs on the database: SELECT on `events`
 * (Debezium's initial snapshot reads it). The REPLICATION attribute is not inherited through
 * membership, so the login role that connects must have it itself (docs/change-feed.md).
 */
export const CDC_ROLE = 'tessera_cdc';

/**
 * Publishes the `events` table's inserts for logical replication: what Tessera's pgoutput
 * consumer and Debezium subscribe to. Events are never updated or deleted, so inserts are all a
 * consumer needs, and leaving updates and deletes out means no REPLICA IDENTITY concerns.
 *
 * The publication is harmless on a server without `wal_level = logical` (PostgreSQL only warns);
 * consumers need that setting and a login role with REPLICATION, member of {@link CDC_ROLE}
 * (see docs/change-feed.md). The role is cluster-wide: created only if missing, skipped with a
 * WARNING when the migrating user lacks CREATEROLE, and left in place by `down()`.
 */
export class CreatePublication1732500003000 implements MigrationInterface {
  /** Stable name recorded in TypeORM's `migrations` table. */
  name = 'CreatePublication1732500003000';

  /** Creates the publication, the CDC role if missing, and its grant. */
  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE PUBLICATION "${EVENTS_PUBLICATION}" FOR TABLE "${EVENTS_TABLE}" WITH (publish = 'insert')`,
    );
    await queryRunner.query(
      createRoleSql(
        CDC_ROLE,
        `create it and grant it SELECT on ${EVENTS_TABLE} (docs/change-feed.md)`,
      ),
    );
    await queryRunner.query(`
      DO $do$
      BEGIN
        IF to_regrole('${CDC_ROLE}') IS NOT NULL THEN
          GRANT SELECT ON TABLE "${EVENTS_TABLE}" TO "${CDC_ROLE}";
          IF NOT has_schema_privilege('${CDC_ROLE}', current_schema(), 'USAGE') THEN
            EXECUTE format('GRANT USAGE ON SCHEMA %I TO %I', current_schema(), '${CDC_ROLE}');
          END IF;
        END IF;
      END
      $do$
    `);
  }

  /** Drops the publication (slots that use it stop receiving changes) and the role's grant. */
  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP PUBLICATION IF EXISTS "${EVENTS_PUBLICATION}"`);
    await queryRunner.query(`
      DO $do$
      BEGIN
        IF to_regrole('${CDC_ROLE}') IS NOT NULL THEN
          REVOKE ALL ON TABLE "${EVENTS_TABLE}" FROM "${CDC_ROLE}";
        END IF;
      END
      $do$
    `);
  }
}
