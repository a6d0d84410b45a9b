// Ends every run with the line CI reads: `N passed, N failed` (and skipped, when any).
// With TEST_SUMMARY_FILE set, also appends the counts there as one JSON line,
// so .ci/run can add up several runs (unit/e2e, security, browser).
const { appendFileSync } = require('node:fs');

class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    const passed = results.numPassedTests;
    const line = `${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`;
    // Last of all, after Jest's own summary (writes to a pipe or file are synchronous on Linux).
    process.once('exit', () => process.stdout.write(`\n${line}\n`));
    if (process.env.TEST_SUMMARY_FILE) {
      appendFileSync(
        process.env.TEST_SUMMARY_FILE,
        `${JSON.stringify({ passed, failed, skipped })}\n`,
      );
    }
  }
}
module.exports = SummaryReporter;
