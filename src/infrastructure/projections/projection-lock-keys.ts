/**
 * First keys of the two-key advisory locks Tessera takes, so its locks do not collide with an
 * application's own; the second key is `hashtext(projection name)`.
 */

/** Session lock held by the one active asynchronous runner of a projection. */
export const RUNNER_LOCK_CLASS = 0x74657372;

/** Transaction lock: shared by inline appliers, exclusive for an inline rebuild. */
export const INLINE_LOCK_CLASS = 0x74657369;
