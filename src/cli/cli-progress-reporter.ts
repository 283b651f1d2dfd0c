import { SingleBar, Presets } from 'cli-progress';
import type { CliOutput } from './cli-output';

/** Progress of a long piece of work: a bar on a terminal, a plain line per step otherwise. */
export interface ProgressReporter {
  /** `done` of `total` units are finished (`total` may grow as work is discovered). */
  update(done: number, total: number): void;
  /** The work is over; a bar is closed, a last line written. */
  stop(): void;
}

/**
 * A {@link ProgressReporter} for `output`: a cli-progress bar when stdout is a terminal, else
 * one plain line per update (on stderr with `--json`, so stdout stays one JSON document).
 */
export function progressReporter(output: CliOutput, label: string): ProgressReporter {
  if (output.interactive) {
    const bar = new SingleBar(
      { format: `${label} [{bar}] {percentage}% | {value}/{total}`, hideCursor: true },
      Presets.shades_classic,
    );
    let started = false;
    return {
      update(done, total) {
        if (!started) {
          bar.start(total, done);
          started = true;
        } else {
          bar.setTotal(total);
          bar.update(done);
        }
      },
      stop() {
        if (started) bar.stop();
      },
    };
  }
  let last = '';
  return {
    update(done, total) {
      last = `${label}: ${done}/${total}`;
      output.note(last);
    },
    stop() {},
  };
}
