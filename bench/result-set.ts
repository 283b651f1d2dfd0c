import type { ChildResult, ContenderName } from './job';
import { median } from './median';

/** One contender's rounds on one scenario, and their medians. */
export interface ContenderResult {
  readonly rounds: readonly ChildResult[];
  /** The same results by round number (a failed round has none). */
  readonly byRound: ReadonlyMap<number, ChildResult>;
  /** Median over rounds of operations per second. */
  readonly opsPerSec: number;
  /** Median over rounds of the child's peak RSS, in MiB. */
  readonly peakRssMb: number;
}

/** Every child's result, by scenario and contender. */
export class ResultSet {
  readonly #results = new Map<string, Map<ContenderName, Map<number, ChildResult>>>();
  readonly #failures: Array<{ scenario: string; contender: ContenderName; message: string }> = [];

  /** Records one round. */
  add(scenario: string, contender: ContenderName, round: number, result: ChildResult): void {
    let byContender = this.#results.get(scenario);
    if (!byContender) {
      byContender = new Map<ContenderName, Map<number, ChildResult>>();
      this.#results.set(scenario, byContender);
    }
    const rounds = byContender.get(contender) ?? new Map<number, ChildResult>();
    rounds.set(round, result);
    byContender.set(contender, rounds);
  }

  /** Records a round whose child failed (a crash, or a check such as S5's versions). */
  fail(scenario: string, contender: ContenderName, message: string): void {
    this.#failures.push({ scenario, contender, message });
  }

  /** Failed rounds, optionally of one scenario and contender only. */
  failures(scenario?: string, contender?: ContenderName): string[] {
    return this.#failures
      .filter(
        (f) =>
          (scenario === undefined || f.scenario === scenario) &&
          (contender === undefined || f.contender === contender),
      )
      .map((f) => `${f.scenario} ${f.contender}: ${f.message}`);
  }

  /** The medians of one contender on one scenario; undefined when it did not run. */
  get(scenario: string, contender: ContenderName): ContenderResult | undefined {
    const byRound = this.#results.get(scenario)?.get(contender);
    if (!byRound || byRound.size === 0) return undefined;
    const rounds = [...byRound.values()];
    return {
      rounds,
      byRound,
      opsPerSec: median(rounds.map(opsPerSec)),
      peakRssMb: median(rounds.map((r) => r.maxRssKb / 1024)),
    };
  }

  /** Median ops/s of `contender` divided by that of `against`, when both ran. */
  ratio(scenario: string, contender: ContenderName, against: ContenderName): number | undefined {
    const a = this.get(scenario, contender);
    const b = this.get(scenario, against);
    return a && b ? a.opsPerSec / b.opsPerSec : undefined;
  }

  /**
   * Median over rounds of the CPU microseconds per operation, client and server side, each
   * undefined when no round measured it.
   */
  cpuPerOperation(
    scenario: string,
    contender: ContenderName,
  ): { client?: number; server?: number } | undefined {
    const run = this.get(scenario, contender);
    if (!run) return undefined;
    const perOp = (side: 'client' | 'server'): number | undefined => {
      const values = run.rounds.flatMap((r) => {
        const seconds = r.cpu?.[side];
        return seconds === undefined ? [] : [(seconds * 1e6) / r.operations];
      });
      return values.length > 0 ? median(values) : undefined;
    };
    return { client: perOp('client'), server: perOp('server') };
  }

  /**
   * The same ratio round by round, pairing the two children of each round (they ran one after
   * the other, so they shared the machine's state); rounds where either failed are left out.
   */
  roundRatios(scenario: string, contender: ContenderName, against: ContenderName): number[] {
    const a = this.get(scenario, contender)?.byRound;
    const b = this.get(scenario, against)?.byRound;
    if (!a || !b) return [];
    const ratios: number[] = [];
    for (const [round, mine] of a) {
      const theirs = b.get(round);
      if (theirs) ratios.push(opsPerSec(mine) / opsPerSec(theirs));
    }
    return ratios;
  }
}

function opsPerSec(result: ChildResult): number {
  return result.operations / result.seconds;
}
