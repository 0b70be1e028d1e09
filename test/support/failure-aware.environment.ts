import type { Circus } from '@jest/types';
import { TestEnvironment } from 'jest-environment-node';
import { CURRENT_TEST_FAILED } from './test-failure';

/**
 * Node's test environment that also lets an afterEach hook ask whether its test failed (a browser
 * test's screenshot on failure must be taken then, while the page is still open). jest-circus
 * collects a test's errors on the test itself; the environment only keeps hold of the running one.
 */
export default class FailureAwareEnvironment extends TestEnvironment {
  private running: Circus.TestEntry | undefined;

  override async setup(): Promise<void> {
    await super.setup();
    this.global[CURRENT_TEST_FAILED] = () => (this.running?.errors.length ?? 0) > 0;
  }

  handleTestEvent(event: Circus.Event): void {
    if (event.name === 'test_start') this.running = event.test;
    if (event.name === 'test_done') this.running = undefined;
  }
}
