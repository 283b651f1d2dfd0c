import type { EventClass } from './event-class';
import { definitionSite } from './definition-site';
import { eventRegistry } from './event-registry';

/** Options of {@link DomainEvent}. */
export interface DomainEventOptions {
  /** Schema version of the payload written for new events. Default 1. */
  readonly version?: number;
}

/**
 * Registers a class as a domain event under a stable name, stored as `event_type`. The name, not
 * the class name, identifies stored events, so minified builds and class renames keep reading
 * old history. A duplicate name is rejected when the module loads (the same class name decorated
 * again in the same file, as a test watcher does, replaces the earlier class).
 *
 * @example
 * ```ts
 * @DomainEvent('MoneyDeposited', { version: 1 })
 * export class MoneyDeposited {
 *   @IsPositive() readonly amount: number;
 *   constructor(amount: number) { this.amount = amount; }
 * }
 * ```
 */
export function DomainEvent(name: string, options: DomainEventOptions = {}) {
  return <T extends EventClass>(target: T): void => {
    eventRegistry.register(target, name, options.version ?? 1, definitionSite());
  };
}
