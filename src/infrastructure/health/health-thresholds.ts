/** A warning and a critical limit of one measure. */
export interface HealthLimits {
  readonly warn: number;
  readonly critical: number;
}

/** Limits of {@link checkHealth}; each defaults to {@link DEFAULT_HEALTH_THRESHOLDS}' value. */
export interface HealthThresholds {
  /** WAL a replication slot keeps on disk, in bytes. */
  readonly slotRetainedWalBytes: HealthLimits;
  /** How far a replica's replay is behind the primary's WAL, in bytes. */
  readonly replicaLagBytes: HealthLimits;
  /** How long ago a replica replayed the last transaction it received, in seconds (busy primary). */
  readonly replicaLagSeconds: HealthLimits;
  /** Age of the oldest transaction holding a transaction id: it holds back the ordered feed. */
  readonly oldestTransactionSeconds: HealthLimits;
  /** Age of the last (auto)vacuum or (auto)analyze of `events` once rows were written since. */
  readonly maintenanceAgeSeconds: HealthLimits;
}

const MIB = 1024 * 1024;

/** The defaults: see docs/operations.md for the reasoning behind each. */
export const DEFAULT_HEALTH_THRESHOLDS: HealthThresholds = Object.freeze({
  slotRetainedWalBytes: { warn: 1024 * MIB, critical: 8 * 1024 * MIB },
  replicaLagBytes: { warn: 16 * MIB, critical: 1024 * MIB },
  replicaLagSeconds: { warn: 10, critical: 300 },
  oldestTransactionSeconds: { warn: 60, critical: 600 },
  maintenanceAgeSeconds: { warn: 86_400, critical: 7 * 86_400 },
});
