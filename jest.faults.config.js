// `npm run test:faults`: the fault drills (tests/test/faults/*.drill.ts). They start a stack of their own and take
// parts of it down, so they are not in the `npm test` projects (jest.config.js) and run one at a time.
const path = require('node:path');

/** @type {import('jest').Config} */
module.exports = {
  displayName: 'fault drills',
  rootDir: path.join(__dirname, 'tests'),
  testEnvironment: 'node',
  testMatch: ['<rootDir>/test/faults/**/*.drill.ts'],
  transform: { '^.+\\.(t|j)sx?$': ['@swc/jest'] },
  testTimeout: 420000,
};
