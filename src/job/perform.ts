import type { Middleware } from '../client/middleware.ts';
import { JobTimeoutError } from '../errors.ts';
import { compose } from './callbacks.ts';
import { type AnyJob, asList, type JobContext } from './define.ts';
import { isOutcome } from './outcome.ts';

/**
 * Runs a job's perform with middleware and callbacks around it:
 * middleware arounds → job arounds → befores → perform → afters (on success only).
 * With a timeout, the attempt fails with JobTimeoutError and `ctx.signal` is aborted.
 */
export async function performWithCallbacks(
  job: AnyJob,
  args: unknown,
  ctx: JobContext,
  middleware: readonly Middleware[],
  controller: AbortController,
): Promise<unknown> {
  // Nothing around, before or after perform (the usual case): no chain of closures per run.
  const bare = middleware.length === 0 && !job.aroundPerform && !job.beforePerform && !job.afterPerform;
  if (bare && job.timeoutMs === undefined) return job.perform(args, ctx);
  const arounds = [...middleware.flatMap((m) => asList(m.aroundPerform)), ...asList(job.aroundPerform)];
  const run = compose<unknown, unknown>(
    arounds.map((around) => (a, next) => around(a, ctx, next)),
    async (a) => {
      for (const m of middleware) for (const cb of asList(m.beforePerform)) await cb(a, ctx);
      for (const cb of asList(job.beforePerform)) await cb(a, ctx);
      const result = await job.perform(a, ctx);
      if (!isOutcome(result)) {
        for (const cb of asList(job.afterPerform)) await cb(a, ctx, result);
        for (const m of middleware) for (const cb of asList(m.afterPerform)) await cb(a, ctx, result);
      }
      return result;
    },
  );
  if (job.timeoutMs === undefined) return run(args);
  return withTimeout(run(args), job, controller);
}

async function withTimeout(
  work: Promise<unknown>,
  job: AnyJob,
  controller: AbortController,
): Promise<unknown> {
  const timeoutMs = job.timeoutMs!;
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new JobTimeoutError(job.name, timeoutMs);
      controller.abort(error);
      reject(error);
    }, timeoutMs);
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}
