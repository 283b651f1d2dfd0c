/** A spec file (glob), or the tests whose full title contains `title`, with the reason. */
export type SessionBoundTest =
  | { readonly spec: string; readonly reason: string }
  | { readonly title: string; readonly reason: string };

/**
 * Specs and tests left out of the second test pass, the one through PgBouncer in transaction
 * pooling mode (test/support/run-test-passes.ts): each needs, by its nature, something a
 * transaction pooler cannot give, or never talks to the server under test at all. Everything
 * else runs twice.
 */
export const SESSION_BOUND_TESTS: readonly SessionBoundTest[] = [
  {
    spec: 'test/change-feed/change-feed-listener.test.ts',
    reason: 'LISTEN belongs to a server session; the listener takes a direct connection',
  },
  {
    spec: 'test/change-feed/logical-replication-consumer.test.ts',
    reason: 'the replication protocol and slots need a direct walsender connection',
  },
  {
    spec: 'test/change-feed/invalidated-slot.test.ts',
    reason: 'invalidates a replication slot on a throwaway logical server of its own',
  },
  {
    spec: 'test/cdc/**/*.test.ts',
    reason: 'Debezium reads a replication slot over a direct connection',
  },
  {
    spec: 'test/embedded/**/*.test.ts',
    reason: 'starts and interrupts embedded servers of its own, never DATABASE_URL',
  },
  {
    spec: 'test/reliability/restart.test.ts',
    reason: 'restarts a throwaway server of its own, which no pooler fronts',
  },
  {
    spec: 'test/reliability/crash-mid-append.test.ts',
    reason: 'crashes a throwaway server of its own, which no pooler fronts',
  },
  {
    spec: 'test/pooling/**/*.test.ts',
    reason: 'starts its own PgBouncer (and replicas) in front of the server',
  },
  {
    spec: 'test/replicas/**/*.test.ts',
    reason: 'starts a primary and a streaming replica of its own, which no pooler fronts',
  },
  {
    spec: 'test/package/**/*.test.ts',
    reason: 'packs and installs the package; the code it runs is covered by the other specs',
  },
  {
    title: 'runs a prepared append on the generic plan PostgreSQL keeps after five executions',
    reason:
      'named prepared statements are for direct connections; behind the pooler they run unnamed',
  },
  {
    title: 'run their guarded append on the generic plan PostgreSQL keeps after five executions',
    reason:
      'named prepared statements are for direct connections; behind the pooler they run unnamed',
  },
  {
    title: 'falls back to config objects for a client class without pg.Query',
    reason: 'asserts the statement name, which is sent on direct connections only',
  },
  {
    title: 'prepares its statements under a name by default',
    reason:
      'named prepared statements are for direct connections; behind the pooler they run unnamed',
  },
  {
    title:
      'keeps one runner active across processes; a standby takes over when the active one dies',
    reason:
      'kills the session holding the advisory lock; behind the pooler runners lead by lease (test/pooling)',
  },
  {
    title: 'the least-privilege role tessera_writer',
    reason: 'switches role with the `options` startup parameter, which PgBouncer refuses',
  },
];
