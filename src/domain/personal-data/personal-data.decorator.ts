import { markPersonal } from './personal-data-metadata';

/**
 * Marks a property of an event (or of a value object nested in one) as personal data of the
 * event's data subject (see {@link DataSubject}). Repositories encrypt its value with that
 * subject's data key when they save the event, and after `forget(subjectId)` every read gives
 * {@link FORGOTTEN_VALUE} in its place. The event in memory, validation at raise and the
 * aggregate's handlers see the plain value.
 *
 * @example
 * ```ts
 * export class Owner {
 *   @PersonalData() @IsString() readonly name: string;
 *   @PersonalData() @IsEmail() readonly email: string;
 * }
 * ```
 */
export function PersonalData(): PropertyDecorator {
  return (target, property) => {
    if (typeof property === 'string') markPersonal(target.constructor, property);
  };
}
