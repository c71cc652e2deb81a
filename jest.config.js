// One jest project per workspace that has a test/ directory, discovered from the root package.json's
// "workspaces" globs: adding a workspace (or its first test) needs no edit here.
const fs = require('node:fs');
const path = require('node:path');

const root = __dirname;
const { workspaces = [] } = require('./package.json');

/** Expands "dir" and "dir/*" workspace patterns (the only forms this repo uses). */
function workspaceDirs() {
  return workspaces.flatMap((pattern) => {
    if (!pattern.endsWith('/*')) return [pattern];
    const parent = path.join(root, pattern.slice(0, -2));
    if (!fs.existsSync(parent)) return [];
    return fs
      .readdirSync(parent, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => path.posix.join(pattern.slice(0, -2), d.name))
      .sort();
  });
}

const projects = workspaceDirs()
  .filter((dir) => fs.existsSync(path.join(root, dir, 'test')))
  .map((dir) => ({
    displayName: dir,
    rootDir: path.join(root, dir),
    testEnvironment: 'node',
    testMatch: ['<rootDir>/test/**/*.test.ts'],
    transform: { '^.+\\.(t|j)sx?$': ['@swc/jest'] },
    testTimeout: 60000,
  }));

/** @type {import('jest').Config} */
module.exports = {
  projects,
  testTimeout: 60000,
};
