import { expect, it } from 'vitest';
import { spin } from '../fixtures/process-app.ts';
import { describeProcess } from './harness.ts';

await describeProcess('shigoto start: CPU-bound jobs that block their event loop', (harness) => {
  it('a job blocking its process past the alive threshold is not taken for dead (the supervisor beats for it)', async () => {
    const h = harness();
    // Two worker processes: had the busy one been pruned, the other would have run its job again.
    const config = h.writeConfig({
      workers: [{ queues: ['*'], threads: 1, processes: 2, polling_interval: 0.02 }],
      process_alive_threshold: 1,
    });
    const service = await h.startReady(config);
    const accepted = await h.enqueueWork(1, 3000, spin);
    await h.waitForAllDone(accepted);
    const report = await h.report(accepted);
    h.expectClean(report);
    expect(report.executions, h.describe(report)).toBe(1);
    expect(service.output(), h.describe(report)).not.toMatch(/Pruned dead processes/);
    service.signal('SIGTERM');
    expect((await h.waitForExit(service)).code, h.describe(report)).toBe(0);
  });

  it('a child that cannot hear TERM or QUIT is killed after the timeouts; its claim is released and runs again', async () => {
    const h = harness();
    const config = h.writeConfig({ shutdown_timeout: 1 });
    const service = await h.startReady(config);
    const [worker] = await h.childrenOf(service, 'worker');
    const accepted = await h.enqueueWork(1, 120_000, spin);
    await h.waitFor(() => h.ledger().entries.some((e) => e.type === 'start'), 'the spin to start');
    service.signal('SIGTERM');
    const { code } = await h.waitForExit(service);
    expect(code, h.describe()).toBe(0);
    expect(service.output(), h.describe()).toMatch(/Child did not stop; killing it/);
    h.noteDead(worker!.pid);
    // Killed, not released by itself: the attempt stays counted, as after a crash.
    const job = await h.client.jobs.get(accepted[0]!);
    expect({ state: job.state, attempts: job.attempts }, h.describe()).toEqual({
      state: 'ready',
      attempts: 1,
    });
    await h.expectNothingLeft(config);

    await h.drain(config, accepted);
    const report = await h.report(accepted);
    h.expectClean(report);
    expect(report.finishedRuns, h.describe(report)).toBe(1);
  });
});
