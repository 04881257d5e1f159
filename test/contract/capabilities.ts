import { describe, expect, it } from 'vitest';
import { enqueue, newJob } from './helpers.ts';
import type { ContractContext } from './types.ts';

const WAKEUP_DEADLINE_MS = 10_000;

export function capabilitiesContract(ctx: ContractContext): void {
  describe('capabilities', () => {
    it('declares the capabilities the suite was described with', () => {
      expect(ctx.backend.capabilities).toEqual(ctx.capabilities);
    });

    it('offers listen exactly when it declares cross-process wake-ups', () => {
      expect(typeof ctx.backend.listen === 'function').toBe(ctx.capabilities.crossProcessWakeups);
    });

    it.runIf(ctx.capabilities.crossProcessWakeups)(
      'wakes listeners with the queue that got ready jobs',
      async () => {
        const heard: string[] = [];
        const unsubscribe = await ctx.backend.listen!((queues) => heard.push(...queues));
        try {
          await enqueue(ctx.backend, [newJob({ queue: 'wake-me' })]);
          await expect.poll(() => heard, { timeout: WAKEUP_DEADLINE_MS, interval: 20 }).toContain('wake-me');
        } finally {
          await unsubscribe();
        }
      },
    );
  });
}
