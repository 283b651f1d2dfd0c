import { personalPropertiesOf } from './personal-data-metadata';

/**
 * What every read gives instead of a {@link PersonalData} value whose subject was forgotten. A
 * forgotten value never fails validation: the constraints of a personal property holding it
 * are not checked (so an aggregate still loads and accepts new commands).
 */
export const FORGOTTEN_VALUE = '[forgotten]';

/**
 * True when the property at the dotted `path` of `event` is a personal property that holds
 * {@link FORGOTTEN_VALUE}: a validation failure there is the placeholder's, not the data's.
 */
export function isForgottenAt(event: object, path: string): boolean {
  const parts = path.split('.');
  let owner: unknown = event;
  for (let i = 0; i < parts.length - 1; i++) {
    if (owner === null || typeof owner !== 'object') return false;
    owner = (owner as Record<string, unknown>)[parts[i]];
  }
  if (owner === null || typeof owner !== 'object') return false;
  const last = parts[parts.length - 1];
  return (
    (owner as Record<string, unknown>)[last] === FORGOTTEN_VALUE &&
    personalPropertiesOf(owner.constructor).has(last)
  );
}
