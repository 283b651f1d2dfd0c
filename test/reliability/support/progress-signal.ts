/**
 * Event-driven waiting without sleeps: producers call {@link ProgressSignal.notify} whenever
 * something happened, and {@link ProgressSignal.waitUntil} re-checks its condition on each call,
 * failing after a deadline.
 */
export class ProgressSignal {
  readonly #checks = new Set<() => void>();

  /** Re-evaluates every pending condition. */
  notify(): void {
    for (const check of [...this.#checks]) check();
  }

  /**
   * Resolves once `condition` holds; rejects when `failure()` returns a message, or after
   * `timeoutMs` naming `what` was awaited.
   */
  waitUntil(
    condition: () => boolean,
    what: string,
    options: { timeoutMs?: number; failure?: () => string | undefined } = {},
  ): Promise<void> {
    const { timeoutMs = 30_000, failure = () => undefined } = options;
    return new Promise((resolve, reject) => {
      const finish = (): void => {
        clearTimeout(timer);
        this.#checks.delete(check);
      };
      const check = (): void => {
        const failed = failure();
        if (failed !== undefined) {
          finish();
          reject(new Error(`while waiting for ${what}: ${failed}`));
        } else if (condition()) {
          finish();
          resolve();
        }
      };
      const timer = setTimeout(() => {
        finish();
        reject(
          new Error(`timed out after ${timeoutMs} ms waiting for ${what}: ${failure() ?? ''}`),
        );
      }, timeoutMs);
      this.#checks.add(check);
      check();
    });
  }
}
