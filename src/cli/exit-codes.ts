/**
 * The exit codes of the `tessera` command, for scripts: each failure kind has its own, so a
 * script can tell "nothing there" from "could not connect" without parsing a message.
 */
export const EXIT_CODES = {
  /** The command did what it was asked. */
  ok: 0,
  /** The command failed (the database refused, a batch did not check out, ...). */
  failure: 1,
  /** The command line or the configuration is wrong (unknown option, no DATABASE_URL, ...). */
  usage: 2,
  /** What was asked for does not exist (`inspect` of an aggregate with no events). */
  notFound: 3,
  /** `status`: migrations are pending. */
  pending: 4,
  /** `health`: the overall status reached `--fail-on`. */
  unhealthy: 5,
} as const;

/** One of {@link EXIT_CODES}' values. */
export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];
