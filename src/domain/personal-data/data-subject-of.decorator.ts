import { setSubjectResolver } from './personal-data-metadata';

/**
 * Declares on an event class how to find the id of the person its {@link PersonalData} belongs
 * to (the data subject), when no single property holds it.
 *
 * @example
 * ```ts
 * @DataSubjectOf((event: AccountOpened) => event.owner.customerId)
 * @DomainEvent('BankAccount.AccountOpened')
 * export class AccountOpened { ... }
 * ```
 */
export function DataSubjectOf<E extends object>(resolve: (event: E) => string): ClassDecorator {
  return (target) => {
    setSubjectResolver(target, (event) => resolve(event as E));
  };
}
