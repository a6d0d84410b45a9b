/** `npm run test:security`: the black-box security suite against a running production-mode server. */
const base = require('./jest.config.js');

module.exports = {
  ...base,
  testMatch: ['<rootDir>/test/security/**/*.security-spec.ts'],
  testTimeout: 60000,
  maxWorkers: 1,
  reporters: [
    'default',
    '<rootDir>/test/support/summary-reporter.js',
    '<rootDir>/test/security/security-report-reporter.js',
  ],
};
