// Writes test-artifacts/security-report.md: every case of the security suite,
// what was expected (the test's name says it after "→") and what happened.
const { mkdirSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

class SecurityReportReporter {
  constructor(globalConfig) {
    this.rootDir = globalConfig.rootDir;
  }

  onRunComplete(_contexts, results) {
    const rows = [];
    for (const file of results.testResults) {
      for (const test of file.testResults) {
        const [name, expected = ''] = test.title.split(' → ');
        const group = test.ancestorTitles.join(' / ');
        const observed =
          test.status === 'passed'
            ? `as expected`
            : `**${test.status}**: ${(test.failureMessages[0] ?? '').split('\n').find((l) => l.trim()) ?? ''}`;
        rows.push(`| ${group} | ${name} | ${expected} | ${observed.replace(/\|/g, '\\|')} |`);
      }
    }
    const dir = join(this.rootDir, 'test-artifacts');
    mkdirSync(dir, { recursive: true });
    const text = `| group | case | expected | observed |\n|---|---|---|---|\n${rows.join('\n')}\n`;
    writeFileSync(join(dir, 'security-report.md'), text);
  }
}
module.exports = SecurityReportReporter;
