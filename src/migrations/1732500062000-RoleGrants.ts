import { MigrationInterface, QueryRunner } from 'typeorm';
import {
  PERSONAL_DATA_KEYS_TABLE,
  PROJECTION_CHECKPOINTS_TABLE,
  UNIQUE_VALUES_TABLE,
} from './schema-names';
import { MAINTAINER_ROLE, WRITER_ROLE } from './1732500002000-AppendOnlyEvents';

/** The privileges this migration grants, table by table, when the roles exist. */
const GRANTS: ReadonlyArray<{ role: string; table: string; privileges: string }> = [
  // The archiver archives a stream only behind every ordered-feed checkpoint.
  { role: MAINTAINER_ROLE, table: PROJECTION_CHECKPOINTS_TABLE, privileges: 'SELECT' },
  // Claims insert, releases delete, a refused claim reads the holder.
  { role: WRITER_ROLE, table: UNIQUE_VALUES_TABLE, privileges: 'SELECT, INSERT, DELETE' },
  // A save reads or creates its subjects' keys; forget() deletes one.
  { role: WRITER_ROLE, table: PERSONAL_DATA_KEYS_TABLE, privileges: 'SELECT, INSERT, DELETE' },
];

/**
 * Grants what the roles of `AppendOnlyEvents1732500002000` need on tables later migrations
 * created without granting it: with only its roles' privileges, the application could not claim
 * a unique value or save personal data, and a maintainer could not run the archiver.
 */
export class RoleGrants1732500062000 implements MigrationInterface {
  /** Stable name recorded in TypeORM's `migrations` table. */
  name = 'RoleGrants1732500062000';

  /** Grants them, for each role that exists. */
  public async up(queryRunner: QueryRunner): Promise<void> {
    for (const { role, table, privileges } of GRANTS) {
      await queryRunner.query(
        statement(`GRANT ${privileges} ON TABLE "${table}" TO "${role}"`, role),
      );
    }
  }

  /** Revokes them. */
  public async down(queryRunner: QueryRunner): Promise<void> {
    for (const { role, table, privileges } of GRANTS) {
      await queryRunner.query(
        statement(`REVOKE ${privileges} ON TABLE "${table}" FROM "${role}"`, role),
      );
    }
  }
}

/** `sql`, run only when `role` exists (the roles belong to the cluster, not the migration). */
function statement(sql: string, role: string): string {
  return `
    DO $do$
    BEGIN
      IF to_regrole('${role}') IS NOT NULL THEN
        ${sql};
      END IF;
    END
    $do$
  `;
}
