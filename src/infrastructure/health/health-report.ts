/** How a check (or the whole report) stands: `critical` needs action now, `warn` soon. */
export type HealthStatus = 'ok' | 'warn' | 'critical';

/** One check of a {@link HealthReport}. */
export interface HealthCheck {
  /** Stable name: `connectivity`, `migrations`, `replication-slot:<name>`, `replica:<name>`, ... */
  readonly name: string;
  readonly status: HealthStatus;
  /** One line a person reads first. */
  readonly summary: string;
  /** The measured facts (bytes, seconds, names), for dashboards and alerts. */
  readonly facts: Readonly<Record<string, string | number | boolean | null>>;
}

/** What {@link checkHealth} found: each check, and the worst status of them as the overall one. */
export interface HealthReport {
  readonly status: HealthStatus;
  readonly checkedAt: Date;
  readonly checks: readonly HealthCheck[];
}

const RANK: Record<HealthStatus, number> = { ok: 0, warn: 1, critical: 2 };

/** The worse of the statuses (`ok` for none). */
export function worstStatus(statuses: readonly HealthStatus[]): HealthStatus {
  return statuses.reduce<HealthStatus>((worst, s) => (RANK[s] > RANK[worst] ? s : worst), 'ok');
}

/** `critical` at or above `limits.critical`, `warn` at or above `limits.warn`, else `ok`. */
export function statusOf(value: number, limits: { warn: number; critical: number }): HealthStatus {
  if (value >= limits.critical) return 'critical';
  if (value >= limits.warn) return 'warn';
  return 'ok';
}
