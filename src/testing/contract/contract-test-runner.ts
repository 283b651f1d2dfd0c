/**
 * The part of a test runner the repository contract uses: the runner's own `describe` and `it`.
 * Mocha's, node:test's, Jest's and Vitest's all fit, so the suite takes them as arguments instead
 * of reaching for one runner's globals.
 *
 * @example
 * ```ts
 * import { describe, it } from 'node:test';
 * aggregateRepositoryContract('MyRepository', () => new MyRepository(), { describe, it });
 * ```
 */
export interface ContractTestRunner {
  /** Declares a group of tests; `body` declares them synchronously. */
  readonly describe: (name: string, body: () => void) => unknown;
  /** Declares one test; the runner awaits the promise `test` returns. */
  readonly it: (name: string, test: () => Promise<void>) => unknown;
}
