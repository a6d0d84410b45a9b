/**
 * `npm run test:generator`: `npm run new:feature` into a copy of the repository,
 * compiled and tested there. Apart from `npm test`: it compiles the project
 * twice and runs a Jest of its own, which would slow every file beside it.
 */
const base = require('./jest.config.js');

module.exports = {
  ...base,
  testMatch: ['<rootDir>/test/generator/**/*.generator-spec.ts'],
  maxWorkers: 1,
};
