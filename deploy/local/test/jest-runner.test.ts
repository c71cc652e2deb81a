import { jestArgs, outcomeOf, type JestReport } from '../src/jest-runner';

const report = (r: Partial<JestReport>): JestReport => ({
  numPassedTests: 0,
  numFailedTests: 0,
  numPendingTests: 0,
  numRuntimeErrorTestSuites: 0,
  success: true,
  ...r,
});

describe('closing line', () => {
  it('counts passed and failed tests', () => {
    expect(outcomeOf(report({ numPassedTests: 12 }), 0)).toMatchObject({ line: '12 passed, 0 failed', success: true });
    expect(outcomeOf(report({ numPassedTests: 3, numFailedTests: 2, success: false }), 1)).toMatchObject({ line: '3 passed, 2 failed', success: false });
  });

  it('mentions skipped tests only when there are some', () => {
    expect(outcomeOf(report({ numPassedTests: 4, numPendingTests: 2 }), 0).line).toBe('4 passed, 0 failed, 2 skipped');
  });

  it('counts a suite that could not run as a failure', () => {
    expect(outcomeOf(report({ numPassedTests: 5, numRuntimeErrorTestSuites: 1, success: false }), 1)).toMatchObject({ line: '5 passed, 1 failed', success: false });
  });

  it('is a failure when jest produced no report or exited non-zero', () => {
    expect(outcomeOf(undefined, 1)).toMatchObject({ line: '0 passed, 1 failed', success: false });
    expect(outcomeOf(report({ numPassedTests: 1 }), null).success).toBe(false);
  });
});

describe('jest arguments', () => {
  it('writes JSON, keeps two workers and forwards the user’s arguments last', () => {
    expect(jestArgs('/tmp/j.json', ['tests/smoke', '-t', 'x'])).toEqual(['--ci', '--json', '--outputFile=/tmp/j.json', '--maxWorkers=2', 'tests/smoke', '-t', 'x']);
  });
});
