/**
 * The full-jitter backoff tessera's `update()` uses by default (a random delay in
 * [0, min(100, 2 * 2^attempt)] ms). raw and emmett retry with the same policy, so the race
 * scenario compares the stores rather than three retry policies.
 */
export function backoff(attempt: number): Promise<void> {
  const ceiling = Math.min(100, 2 * 2 ** attempt);
  return new Promise((resolve) => setTimeout(resolve, Math.random() * ceiling));
}
