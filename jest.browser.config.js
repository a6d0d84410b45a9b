/** `npm run test:browser`: end-to-end tests in Debian's Chromium, driven by playwright-core. */
const base = require('./jest.config.js');

module.exports = {
  ...base,
  testMatch: ['<rootDir>/test/browser/**/*.browser-spec.ts'],
  testTimeout: 60000,
  maxWorkers: 1,
};
