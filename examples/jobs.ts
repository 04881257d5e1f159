import { setTimeout as sleep } from 'node:timers/promises';
import { defineJob, discardJob } from 'shigoto';
import { z } from 'zod';

/**
 * A plain job: arguments checked by a schema (at enqueue, from the app or the CLI, and again
 * before perform), a result, a little I/O.
 */
export const sendWelcomeEmail = defineJob({
  name: 'SendWelcomeEmail',
  queue: 'mailers',
  schema: z.object({ userId: z.number().int().positive(), email: z.email() }),
  perform: async (args, ctx) => {
    await sleep(20, undefined, { signal: ctx.signal }); // stands in for an SMTP call
    ctx.logger.info(`Welcome email sent to ${args.email}`);
    return { deliveredTo: args.email, at: new Date() };
  },
});

/** The queue is chosen from the arguments once, at enqueue; retries keep it. */
export const generateReport = defineJob({
  name: 'GenerateReport',
  queue: (args: { reportId: number; rows: number }) => (args.rows > 10_000 ? 'reports-large' : 'reports'),
  priority: 10,
  timeout: '30s',
  perform: async (args, ctx) => {
    await sleep(Math.min(args.rows / 100, 500), undefined, { signal: ctx.signal });
    return { reportId: args.reportId, rows: args.rows };
  },
});

export class FlakyNetworkError extends Error {
  override name = 'FlakyNetworkError';
}

/** Fails on its first run and succeeds on the retry, to show retry rules at work. */
export const syncInventory = defineJob({
  name: 'SyncInventory',
  queue: 'default',
  retryOn: [{ on: FlakyNetworkError, attempts: 3, wait: '2s', jitter: 0 }],
  perform: async (args: { warehouse: string }, ctx) => {
    if (ctx.executions === 1) throw new FlakyNetworkError(`warehouse ${args.warehouse} timed out`);
    ctx.logger.info(`Inventory of ${args.warehouse} synced on attempt ${ctx.executions}`);
  },
});

/** Returns an outcome instead of throwing: nothing to do for a cancelled order. */
export const chargeOrder = defineJob({
  name: 'ChargeOrder',
  queue: 'critical',
  perform: async (args: { orderId: number; cancelled?: boolean }) => {
    if (args.cancelled) return discardJob(`order ${args.orderId} was cancelled`);
    return { charged: args.orderId };
  },
});
