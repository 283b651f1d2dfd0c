/**
 * `postgres` flags that turn durability back on for a throwaway server. The defaults of
 * support/local-postgres.ts (fsync and synchronous_commit off) let a crash lose acknowledged
 * commits: exactly what the crash and restart tests must be able to see. Later flags win.
 */
export const DURABLE_FLAGS: readonly string[] = [
  '-c',
  'fsync=on',
  '-c',
  'synchronous_commit=on',
  '-c',
  'full_page_writes=on',
];
