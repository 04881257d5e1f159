/**
 * Every error Shigoto raises on purpose is a ShigotoError with a stable `code`,
 * so callers (and the CLI's exit codes) can branch on the kind, not the message.
 */
export class ShigotoError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Input that can never be accepted: a bad name, bad options, bad arguments. */
export class InvalidInputError extends ShigotoError {
  constructor(message: string, options?: ErrorOptions) {
    super('INVALID_INPUT', message, options);
  }
}

export class InvalidQueueNameError extends ShigotoError {
  readonly queue: unknown;
  constructor(queue: unknown, reason: string) {
    super('INVALID_QUEUE_NAME', `Invalid queue name ${JSON.stringify(queue)}: ${reason}`);
    this.queue = queue;
  }
}

export class UnknownJobError extends ShigotoError {
  readonly jobName: string;
  constructor(jobName: string, known: readonly string[]) {
    const hint = known.length > 0 ? ` Known jobs: ${known.join(', ')}.` : ' No jobs are registered.';
    super('UNKNOWN_JOB', `Unknown job "${jobName}".${hint}`);
    this.jobName = jobName;
  }
}

export class PayloadTooLargeError extends ShigotoError {
  readonly bytes: number;
  readonly limit: number;
  constructor(bytes: number, limit: number) {
    super(
      'PAYLOAD_TOO_LARGE',
      `Job payload is ${bytes} bytes, over the limit of ${limit} bytes (maxPayloadBytes).`,
    );
    this.bytes = bytes;
    this.limit = limit;
  }
}

/** A unique job whose key is held by an existing job, enqueued with onConflict: 'error'. Nothing was stored. */
export class DuplicateJobError extends ShigotoError {
  readonly jobName: string;
  readonly uniqueKey: string;
  /** The job that holds the key; null when it is another job of the same enqueueMany call. */
  readonly existingId: string | null;
  constructor(jobName: string, uniqueKey: string, existingId: string | null) {
    const holder = existingId === null ? 'a job earlier in the same call' : `job ${existingId}`;
    super(
      'DUPLICATE_JOB',
      `Job "${jobName}" is a duplicate of ${holder} (unique key ${JSON.stringify(uniqueKey)}); nothing was enqueued.`,
    );
    this.jobName = jobName;
    this.uniqueKey = uniqueKey;
    this.existingId = existingId;
  }
}

/** An enqueue that would take a queue (or all queues) past its size limit. Nothing was stored. */
export class QueueFullError extends ShigotoError {
  /** The full queue, or null for the limit on all queues together (max_queue_size). */
  readonly queue: string | null;
  readonly limit: number;
  /** Jobs waiting (ready, scheduled or blocked) before this enqueue. */
  readonly size: number;
  constructor(queue: string | null, size: number, adding: number, limit: number) {
    const where = queue === null ? 'All queues together hold' : `Queue "${queue}" holds`;
    const key = queue === null ? 'max_queue_size' : `queues.${queue}.max_size`;
    super(
      'QUEUE_FULL',
      `${where} ${size} waiting jobs; adding ${adding} would pass the limit of ${limit} (${key}). Nothing was enqueued.`,
    );
    this.queue = queue;
    this.limit = limit;
    this.size = size;
  }
}

/** A stored payload that cannot be turned back into arguments. */
export class PayloadDecodeError extends ShigotoError {
  constructor(message: string, options?: ErrorOptions) {
    super('PAYLOAD_DECODE', message, options);
  }
}

/** A value that cannot be written as JSON with the registered codecs. */
export class PayloadEncodeError extends ShigotoError {
  constructor(message: string, options?: ErrorOptions) {
    super('PAYLOAD_ENCODE', message, options);
  }
}

export class ConfigError extends ShigotoError {
  readonly issues: readonly string[];
  constructor(source: string, issues: readonly string[]) {
    super(
      'INVALID_CONFIG',
      `Invalid configuration in ${source}:\n${issues.map((i) => `  - ${i}`).join('\n')}`,
    );
    this.issues = issues;
  }
}

/** A recurring task's schedule that is neither cron nor one of the English forms. */
export class InvalidScheduleError extends ShigotoError {
  /** The schedule as written. */
  readonly schedule: string;
  /** What is wrong with it, without the list of accepted forms. */
  readonly reason: string;
  constructor(schedule: string, reason: string, accepted: string) {
    super(
      'INVALID_SCHEDULE',
      `Invalid schedule ${JSON.stringify(schedule)}: ${reason}. Accepted: ${accepted}`,
    );
    this.schedule = schedule;
    this.reason = reason;
  }
}

export class JobTimeoutError extends ShigotoError {
  readonly timeoutMs: number;
  constructor(jobName: string, timeoutMs: number) {
    super('JOB_TIMEOUT', `Job "${jobName}" did not finish within its timeout of ${timeoutMs} ms.`);
    this.timeoutMs = timeoutMs;
  }
}

export class CapabilityNotSupportedError extends ShigotoError {
  constructor(backend: string, capability: string) {
    super('CAPABILITY_NOT_SUPPORTED', `The ${backend} backend does not support ${capability}.`);
  }
}

/** The backend could not be reached or stayed busy; the operation was not applied. */
export class BackendUnavailableError extends ShigotoError {
  constructor(message: string, options?: ErrorOptions) {
    super('BACKEND_UNAVAILABLE', message, options);
  }
}

/** The database refused a statement for want of a privilege: a role or grant to fix, not to retry. */
export class PermissionDeniedError extends ShigotoError {
  constructor(message: string, options?: ErrorOptions) {
    super('PERMISSION_DENIED', message, options);
  }
}

export class JobNotFoundError extends ShigotoError {
  constructor(id: string) {
    super('JOB_NOT_FOUND', `No job with id ${id}.`);
  }
}

/** Raised by the worker when a job's process was pruned and its claim taken over. */
export class LeaseLostError extends ShigotoError {
  constructor(jobId: string) {
    super('LEASE_LOST', `Job ${jobId} is no longer claimed by this worker; its result was not applied.`);
  }
}

/** performNow ran a job that returned retryJob / discardJob / snoozeJob: no stored job to apply it to. */
export class OutcomeNotAppliedError extends ShigotoError {
  readonly outcome: 'retry' | 'discard' | 'snooze';
  constructor(jobName: string, outcome: 'retry' | 'discard' | 'snooze') {
    super(
      'OUTCOME_NOT_APPLIED',
      `Job "${jobName}" returned a ${outcome} outcome, which performNow cannot apply (nothing is stored).`,
    );
    this.outcome = outcome;
  }
}

/** A task published to a topic no registered job subscribes to. Nothing was stored. */
export class NoSubscribersError extends ShigotoError {
  readonly topic: string;
  constructor(topic: string, known: readonly string[]) {
    const hint =
      known.length > 0
        ? ` Topics with subscribers: ${known.join(', ')}.`
        : ' No job subscribes to any topic.';
    super(
      'NO_SUBSCRIBERS',
      `No job subscribes to topic "${topic}"; nothing was published.${hint} (defineJob({ topics }) or a job definitions file)`,
    );
    this.topic = topic;
  }
}

/** waitFor named a task that does not exist (never published, or cleared after the retention time). */
export class TaskNotFoundError extends ShigotoError {
  readonly taskId: string;
  constructor(taskId: string) {
    super('TASK_NOT_FOUND', `No task with id ${JSON.stringify(taskId)}.`);
    this.taskId = taskId;
  }
}

/** waitFor's timeout passed before every execution of the task ended; the task goes on. */
export class WaitTimeoutError extends ShigotoError {
  readonly taskId: string;
  readonly timeoutMs: number;
  constructor(taskId: string, timeoutMs: number) {
    super(
      'WAIT_TIMEOUT',
      `Task ${taskId} did not end within ${timeoutMs} ms; it goes on (wait for it again to see its outcome).`,
    );
    this.taskId = taskId;
    this.timeoutMs = timeoutMs;
  }
}
