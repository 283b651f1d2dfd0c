import { pause } from './pause';

/** What a leader runs while it holds its leadership (a session lock or a lease). */
export interface HeldWork {
  readonly work: (signal: AbortSignal) => Promise<void>;
  /** The pause after each round of `work`, failed or not. */
  readonly retryMs: number;
  readonly onError?: (error: unknown) => void;
}

/**
 * Runs `work` round after round until `held` aborts (leadership lost or the runner stopped); a
 * failed round is reported to `onError` and the next one starts after the pause.
 */
export async function workWhileHeld(options: HeldWork, held: AbortSignal): Promise<void> {
  while (!held.aborted) {
    try {
      await options.work(held);
    } catch (error) {
      options.onError?.(error);
    }
    await pause(options.retryMs, held);
  }
}
