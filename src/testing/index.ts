/**
 * `shigoto/testing`: what applications import in their own tests. A Shigoto on a fresh
 * in-memory backend with a clock the test moves, assertions on what was enqueued, and
 * helpers that run enqueued jobs through the real executor.
 */
export {
  type ArgsMatcher,
  type AssertEnqueuedOptions,
  assertEnqueued,
  assertNotEnqueued,
  type EnqueuedMatchOptions,
  JobAssertionError,
} from './assertions.ts';
export { createTestClock, type TestClock } from './clock.ts';
export { DRAIN_DEFAULTS, DrainLimitError, type DrainOptions, type DrainSummary, drain } from './drain.ts';
export { type PerformedJob, type PerformOptions, type PerformSummary, performEnqueued } from './perform.ts';
export { createTestShigoto, TestShigoto, type TestShigotoOptions } from './test-shigoto.ts';
export { enqueuedJobs, type WaitingFilter, type WaitingJob } from './waiting.ts';
