import { CommanderError } from 'commander';
import { ShigotoError } from '../errors.ts';

/** Exit codes scripts can rely on (docs/cli.md lists them). */
export const EXIT = {
  ok: 0,
  failure: 1,
  usage: 2,
  notFound: 3,
  config: 4,
  unavailable: 5,
  alreadyRunning: 6,
  timeout: 7,
} as const;

const BY_CODE: Record<string, number> = {
  INVALID_INPUT: EXIT.usage,
  INVALID_QUEUE_NAME: EXIT.usage,
  UNKNOWN_JOB: EXIT.usage,
  PAYLOAD_TOO_LARGE: EXIT.usage,
  PAYLOAD_ENCODE: EXIT.usage,
  JOB_NOT_FOUND: EXIT.notFound,
  NO_SUBSCRIBERS: EXIT.usage,
  TASK_NOT_FOUND: EXIT.notFound,
  WAIT_TIMEOUT: EXIT.timeout,
  INVALID_CONFIG: EXIT.config,
  PERMISSION_DENIED: EXIT.config,
  BACKEND_UNAVAILABLE: EXIT.unavailable,
  ALREADY_RUNNING: EXIT.alreadyRunning,
};

export function exitCodeFor(error: unknown): number {
  if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  if (error instanceof ShigotoError) return BY_CODE[error.code] ?? EXIT.failure;
  return EXIT.failure;
}
