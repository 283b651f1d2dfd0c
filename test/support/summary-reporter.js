'use strict';
// Plain CommonJS: mocha loads reporters with require() before ts-node is in play.
const Mocha = require('mocha');

const { Spec } = Mocha.reporters;
const { EVENT_RUN_END } = Mocha.Runner.constants;

/**
 * Spec output followed by one machine-readable line, `N passed, N failed[, N skipped]`.
 * CI reads only the last line of the run, so nothing may be printed after it.
 */
class SummaryReporter extends Spec {
  constructor(runner, options) {
    super(runner, options);
    // Registered after Spec's own listener, so it prints after Spec's epilogue.
    runner.once(EVENT_RUN_END, () => {
      const stats = runner.stats || {};
      const parts = [`${stats.passes || 0} passed`, `${stats.failures || 0} failed`];
      if (stats.pending > 0) parts.push(`${stats.pending} skipped`);
      process.stdout.write(`${parts.join(', ')}\n`);
    });
  }
}

module.exports = SummaryReporter;
