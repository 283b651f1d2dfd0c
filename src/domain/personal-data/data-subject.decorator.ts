import { setSubjectResolver } from './personal-data-metadata';

/**
 * Marks the event property that holds the id of the person its {@link PersonalData} belongs to
 * (the data subject): a non-empty string of at most 255 characters. The property itself is
 * stored in plain text, so use a pseudonymous id (a customer UUID), never a name or an e-mail.
 * For a subject computed from the event, use {@link DataSubjectOf} instead.
 */
export function DataSubject(): PropertyDecorator {
  return (target, property) => {
    setSubjectResolver(
      target.constructor,
      (event) => (event as Record<string | symbol, unknown>)[property],
    );
  };
}
