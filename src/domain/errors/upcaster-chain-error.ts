import { TesseraError } from './tessera-error';

/** What is wrong with an upcaster chain (see {@link UpcasterChainError}). */
export type UpcasterChainProblem =
  /** No upcaster from `version`, though older history of the type must reach its current version. */
  | 'missing-step'
  /** An upcaster from `version`, which is not older than the class's current version. */
  | 'beyond-current'
  /** The chain of a type without a class ends at `version` on a payload step, not a rename. */
  | 'no-class'
  /** An upcaster from `version` turns events into a type `target` that no class or chain knows. */
  | 'unknown-target';

/**
 * The upcasters registered for an event type do not form a chain that brings every stored
 * version to the version the code writes. Thrown when repositories, feeds and projection runners
 * are constructed (and by `assertUpcastersComplete()`), before any stream is read.
 */
export class UpcasterChainError extends TesseraError {
  readonly code = 'TESSERA_UPCASTER_CHAIN';

  constructor(
    /** The stored event type name whose chain is broken. */
    readonly eventType: string,
    readonly problem: UpcasterChainProblem,
    /** The version the problem is at (see {@link UpcasterChainProblem}). */
    readonly version: number,
    /** The class's current version; undefined for a type without a class. */
    readonly currentVersion: number | undefined,
    /** For `unknown-target`: the event type the upcaster produces. */
    readonly target?: string,
  ) {
    super(describe(eventType, problem, version, currentVersion, target));
  }
}

function describe(
  eventType: string,
  problem: UpcasterChainProblem,
  version: number,
  currentVersion: number | undefined,
  target: string | undefined,
): string {
  switch (problem) {
    case 'missing-step':
      return (
        `event type "${eventType}" has no upcaster from version ${version}` +
        (currentVersion === undefined ? '' : ` (its class is at version ${currentVersion})`) +
        `: register one with registerUpcaster({ type: '${eventType}', fromVersion: ${version}, upcast })` +
        ' (a class that never had older versions stored declares version 1)'
      );
    case 'beyond-current':
      return (
        `event type "${eventType}" has an upcaster from version ${version}, but its class is at ` +
        `version ${currentVersion}: raise @DomainEvent's version above ${version}, or remove the upcaster`
      );
    case 'no-class':
      return (
        `no class is registered for event type "${eventType}", and its upcasters end at version ` +
        `${version}: register the class at that version, or make the last step a rename (\`into\`)`
      );
    case 'unknown-target':
      return (
        `the upcaster from version ${version} of "${eventType}" produces "${target}", which no ` +
        '@DomainEvent class and no upcaster knows: load the module of that class first'
      );
  }
}
