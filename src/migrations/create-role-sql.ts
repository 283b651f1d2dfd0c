/**
 * A DO block that creates a NOLOGIN role unless it exists. Roles are cluster-wide, so another
 * database's migration may create it meanwhile; a migrating user without CREATEROLE gets a
 * WARNING with `hint` instead of a failed migration. `role` is one of Tessera's own constant
 * names, never configuration.
 */
export function createRoleSql(role: string, hint: string): string {
  return `
    DO $do$
    BEGIN
      IF to_regrole('${role}') IS NULL THEN
        CREATE ROLE "${role}" NOLOGIN;
      END IF;
    EXCEPTION
      WHEN duplicate_object OR unique_violation THEN NULL;
      WHEN insufficient_privilege THEN
        RAISE WARNING 'tessera: role ${role} not created (%): ${hint}', SQLERRM;
    END
    $do$
  `;
}
