export type {
  Backend,
  Capabilities,
  ErroredSelector,
  FailedSelector,
  JobFilter,
  JobRecord,
  JobState,
  ProcessInfo,
  QueueInfo,
  StoredError,
} from './backend/types.ts';
export { type InlineBackendOptions, inlineBackend } from './backends/inline/index.ts';
export {
  drizzleTransaction,
  knexTransaction,
  kyselyTransaction,
  type PostgresBackendOptions,
  type PostgresConnectionOptions,
  type PostgresTransaction,
  postgresBackend,
} from './backends/postgres/index.ts';
export { type SqliteBackendOptions, sqliteBackend } from './backends/sqlite/index.ts';
export type { EnqueueManyOptions, EnqueueOptions, EnqueueRequest } from './client/enqueue.ts';
export {
  LIFECYCLE_TOPICS,
  type LifecycleEvent,
  type LifecycleEventName,
} from './client/lifecycle-events.ts';
export type { Middleware } from './client/middleware.ts';
export type { QueueSettings } from './client/queue-limits.ts';
export {
  type AppDefinition,
  createShigoto,
  defineApp,
  Shigoto,
  type ShigotoOptions,
} from './client/shigoto.ts';
export type { TaskExecutionOutcome, TaskOutcome } from './client/task-outcome.ts';
export type { WaitForOptions } from './client/task-waiter.ts';
export type { TaskOptions } from './client/tasks.ts';
export * from './errors.ts';
export { type Codec, defineCodec, type JsonValue } from './job/codec.ts';
export type { ConcurrencyOptions, UniqueCallOptions, UniqueOptions } from './job/controls.ts';
export {
  defineJob,
  type EnqueueDraft,
  type EnqueuedJob,
  type JobContext,
  type JobDefinition,
  type JobOptions,
} from './job/define.ts';
export {
  decodeEnvelope,
  ENVELOPE_VERSION,
  encodeEnvelope,
  type JobEnvelope,
  type Metadata,
} from './job/envelope.ts';
export { discardJob, type Outcome, retryJob, snoozeJob } from './job/outcome.ts';
export type { DiscardRule, ErrorMatcher, RetryPolicy, RetryRule, WaitStrategy } from './job/retry.ts';
export type { OnError, OrderingKeyOf } from './job/serial.ts';
export type { TaskRef } from './job/topics.ts';
export type { Schedule } from './recurring/schedule.ts';
export {
  loadRecurringTasks,
  parseRecurringTasks,
  type RecurringAction,
  type RecurringFileOptions,
  type RecurringTask,
} from './recurring/tasks.ts';
export type { EmbeddedOptions, RunningRuntime } from './runtime/embedded.ts';
export type { LifecycleHooks } from './runtime/hooks.ts';
export type { Duration } from './util/duration.ts';
export { createConsoleLogger, type Logger, type LogLevel } from './util/logger.ts';
