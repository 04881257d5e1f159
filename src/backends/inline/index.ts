import type { Backend } from '../../backend/types.ts';
import { InlineBackend } from './backend.ts';

export interface InlineBackendOptions {
  /** Delete finished jobs at once instead of keeping them for the retention time. Default false. */
  readonly deleteFinished?: boolean;
}

/**
 * An in-memory backend for tests and single-process tools: the same semantics as the SQL
 * backends, nothing stored outside this process, no state shared between instances.
 */
export function inlineBackend(options: InlineBackendOptions = {}): Backend {
  return new InlineBackend({ deleteFinished: options.deleteFinished ?? false });
}
