/** `npm run test:fuzz`: the schema-driven fuzz test against a production-mode server process. */
const base = require('./jest.config.js');

module.exports = {
  ...base,
  testMatch: ['<rootDir>/test/fuzz/**/*.fuzz-spec.ts'],
  maxWorkers: 1,
};
