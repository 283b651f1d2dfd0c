import type { EntityManager } from 'typeorm';

/**
 * What Tessera's PostgreSQL runners hand every projection handler: the EntityManager of the
 * transaction that also moves the projection's checkpoint (or, inline, that appends the events),
 * so read-model writes and progress commit or roll back together.
 */
export interface ProjectionContext {
  readonly manager: EntityManager;
}
