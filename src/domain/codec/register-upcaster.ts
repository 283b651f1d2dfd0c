import type { Upcaster } from './upcaster';
import { upcasters } from './upcaster-registry';

/**
 * Registers one step of an event type's upcaster chain in the process-wide registry that every
 * default `EventSerializer` reads, so `load`, the in-memory repository, the change feeds and the
 * projection runners all upcast the same way. Call it next to the event class, at module load.
 * A second upcaster for the same type and version throws `DuplicateUpcasterError` here; a gap
 * in a chain throws `UpcasterChainError` when a repository, feed or runner is constructed (or
 * from {@link assertUpcastersComplete}).
 *
 * @example
 * ```ts
 * @DomainEvent('BankAccount.MoneyDeposited', { version: 2 })
 * export class MoneyDeposited {
 *   @IsInt() readonly amount: number;
 *   @IsIn(['EUR', 'USD']) readonly currency: string;
 * }
 * registerUpcaster<{ amount: number }>({
 *   type: 'BankAccount.MoneyDeposited',
 *   fromVersion: 1, // version 1 had no currency: every account was in euros then
 *   upcast: (payload) => ({ ...payload, currency: 'EUR' }),
 * });
 * ```
 */
export function registerUpcaster<From extends object = Record<string, unknown>>(
  upcaster: Upcaster<From>,
): void {
  upcasters.register(upcaster as unknown as Upcaster);
}

/**
 * Throws `UpcasterChainError` unless every registered event type's chain is complete (see
 * `UpcasterRegistry.assertComplete`). Repositories, feeds and runners call it when constructed;
 * call it yourself at startup, or in a test, to fail before serving anything.
 */
export function assertUpcastersComplete(): void {
  upcasters.assertComplete();
}
