/** `npm run test:unit`: the unit specs beside the code; no database, no build. */
const base = require('./jest.config.js');

module.exports = {
  ...base,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  globalSetup: undefined,
  globalTeardown: undefined,
};
