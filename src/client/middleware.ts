import type { EnqueueCallbacks, PerformCallbacks } from '../job/define.ts';

/** Callbacks that apply to every job of a Shigoto instance; they wrap the job's own callbacks. */
export interface Middleware extends EnqueueCallbacks<unknown>, PerformCallbacks<unknown> {}
