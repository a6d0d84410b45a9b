/** @type {import('jest').Config} */
module.exports = {
  rootDir: '.',
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'json'],
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/**/*.e2e-spec.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 30000,
  maxWorkers: 2,
  // A worker with nothing left open still takes over half a second to free its ~1 GB after its
  // last file on a busy machine, past Jest's 500 ms default; one a test left a handle in
  // (a process, an interval, a socket) stays alive longer than this and is still reported.
  workerGracefulExitTimeout: 5000,
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
};
