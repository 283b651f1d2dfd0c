import { BankAccount } from '../../../examples/bank-account';
import type { AggregateRepository } from '../../../src';
import { applyStep, ruleBroken, type AccountModel, type AccountStep } from './bank-account-model';

/** Events one acknowledged command appended to one aggregate. */
export interface StreamWrite {
  readonly aggregateId: string;
  readonly correlationId: string;
  readonly toVersion: number;
  readonly eventIds: readonly string[];
  readonly steps: readonly AccountStep[];
}

/** A command refused by a business rule, with the version of the state it was judged on. */
export interface Refusal {
  readonly aggregateId: string;
  readonly atVersion: number;
  readonly step: AccountStep;
  readonly code: string;
}

/** What the callers were told, collected while racing. */
export class Ledger {
  readonly writes: StreamWrite[] = [];
  readonly refusals: Refusal[] = [];
  /** Ids of events raised by attempts that were not acknowledged: they must not be stored. */
  readonly unacknowledged = new Set<string>();
  accepted = 0;
  gaveUp = 0;
  conflicts = 0;
}

/** Facts found by comparing the store with the ledger; every count but `stored` and `acknowledged` must be 0. */
export interface Audit {
  stored: number;
  acknowledged: number;
  lost: number;
  phantom: number;
  duplicateIds: number;
  versionGaps: number;
  outOfOrder: number;
  modelMismatches: number;
  refusalMismatches: number;
}

/**
 * Compares every stream with what the callers were told, and replays the acknowledged commands
 * through the plain model.
 */
export async function auditRace(
  repository: AggregateRepository,
  ids: readonly string[],
  ledger: Ledger,
): Promise<Audit> {
  const result: Audit = {
    stored: 0,
    acknowledged: 0,
    lost: 0,
    phantom: 0,
    duplicateIds: 0,
    versionGaps: 0,
    outOfOrder: 0,
    modelMismatches: 0,
    refusalMismatches: 0,
  };
  const seen = new Set<string>();
  for (const id of ids) {
    const stream = await repository.readStream(id);
    const writes = ledger.writes
      .filter((w) => w.aggregateId === id)
      .sort((a, b) => a.toVersion - b.toVersion);
    const told = new Map<string, { correlationId: string; version: number }>();
    for (const w of writes) {
      w.eventIds.forEach((eventId, i) =>
        told.set(eventId, {
          correlationId: w.correlationId,
          version: w.toVersion - w.eventIds.length + 1 + i,
        }),
      );
    }
    result.stored += stream.length;
    result.acknowledged += told.size;
    stream.forEach((event, i) => {
      if (event.version !== i + 1) result.versionGaps += 1;
      if (seen.has(event.eventId)) result.duplicateIds += 1;
      seen.add(event.eventId);
      const expected = told.get(event.eventId);
      if (!expected) result.phantom += 1;
      else if (
        expected.version !== event.version ||
        expected.correlationId !== event.metadata.correlationId
      ) {
        result.outOfOrder += 1;
      }
    });
    for (const eventId of told.keys()) {
      if (!stream.some((e) => e.eventId === eventId)) result.lost += 1;
    }

    // Replay the acknowledged commands in version order through the plain model.
    const states: Array<AccountModel | null> = [null];
    for (const step of writes.flatMap((w) => w.steps)) {
      try {
        states.push(applyStep(states[states.length - 1], step));
      } catch {
        result.modelMismatches += 1;
        states.push(states[states.length - 1]);
      }
    }
    const model = states[states.length - 1];
    const loaded = await repository.load(BankAccount, id);
    if (
      !model ||
      loaded.version !== states.length - 1 ||
      loaded.balance !== model.balance ||
      loaded.closed !== model.closed ||
      loaded.overdraftLimit !== model.overdraftLimit
    ) {
      result.modelMismatches += 1;
    }
    for (const refusal of ledger.refusals.filter((r) => r.aggregateId === id)) {
      if (ruleBroken(states[refusal.atVersion] ?? null, refusal.step) !== refusal.code) {
        result.refusalMismatches += 1;
      }
    }
  }
  for (const eventId of ledger.unacknowledged) if (seen.has(eventId)) result.phantom += 1;
  return result;
}
