/**
 * How test code asks whether the running test has failed so far: afterEach hooks run before Jest
 * reports a test's outcome, and Jest gives test code no way to read it. The e2e project's test
 * environment (failure-aware.environment.ts) answers under this key of the global object; a
 * registered symbol, since the environment and the test file run in different realms.
 */
export const CURRENT_TEST_FAILED = Symbol.for('mailroute.currentTestFailed');

type FailureQuery = () => boolean;

/** The environment's answer; fails at once where the e2e project's environment is not in use. */
export function failureQuery(): FailureQuery {
  const query = (globalThis as Record<symbol, FailureQuery | undefined>)[CURRENT_TEST_FAILED];
  if (!query) {
    throw new Error(
      'this test runs without test/support/failure-aware.environment.ts; set it as testEnvironment (the e2e project does)',
    );
  }
  return query;
}

/** True once the running test or one of its beforeEach hooks has thrown or timed out. */
export function currentTestFailed(): boolean {
  return failureQuery()();
}
