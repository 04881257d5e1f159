import { expect, it } from 'vitest';
import { FAIL_HOOK_ENV } from '../fixtures/process-app.ts';
import { describeProcess } from './harness.ts';

await describeProcess('shigoto start: lifecycle hooks', (harness) => {
  it('runs onStart/onStop in the supervisor and onWorkerStart/onWorkerStop in each worker process', async () => {
    const h = harness();
    const config = h.writeConfig({
      workers: [{ queues: ['default', 'other'], processes: 2, polling_interval: 0.02 }],
    });
    const service = await h.startReady(config);
    const workers = (await h.childrenOf(service, 'worker')).map((w) => w.pid).sort();
    service.signal('SIGTERM');
    expect((await h.waitForExit(service)).code, h.describe()).toBe(0);

    const message = h.describe();
    const hooks = h.ledger().entries.flatMap((e) => (e.type === 'hook' ? [e] : []));
    expect(
      h.hooks('onStart').map((e) => e.pid),
      message,
    ).toEqual([service.pid]);
    expect(
      h.hooks('onStop').map((e) => e.pid),
      message,
    ).toEqual([service.pid]);
    expect(
      h
        .hooks('onWorkerStart')
        .map((e) => e.pid)
        .sort(),
      message,
    ).toEqual(workers);
    expect(
      h
        .hooks('onWorkerStop')
        .map((e) => e.pid)
        .sort(),
      message,
    ).toEqual(workers);
    expect(
      h.hooks('onWorkerStop').map((e) => e.detail),
      message,
    ).toEqual(['default,other', 'default,other']);
    // The supervisor stops last: its onStop comes after every worker's onWorkerStop.
    expect(hooks.at(-1)?.hook, message).toBe('onStop');
  });

  it('calls onThreadError for a failing claim, and the worker (same process) goes on once the fault is gone', async () => {
    const h = harness();
    const config = h.writeConfig();
    const service = await h.startReady(config);
    const [worker] = await h.childrenOf(service, 'worker');
    // With its table gone, every claim fails: a runtime error, not a job's.
    const restore = await h.hideReadyTable();
    try {
      await h.waitFor(() => h.hooks('onThreadError').length > 0, 'onThreadError to be called');
    } finally {
      await restore();
    }
    expect(
      h
        .hooks('onThreadError')
        .every((e) => e.pid === worker!.pid && h.missingTableError.test(e.detail ?? '')),
      h.describe(),
    ).toBe(true);

    const accepted = await h.enqueueWork(3, 10);
    await h.waitForAllDone(accepted);
    const report = await h.report(accepted);
    h.expectClean(report);
    const workers = await h.childrenOf(service, 'worker');
    expect(
      workers.map((w) => w.pid),
      h.describe(report),
    ).toEqual([worker!.pid]);
    expect(service.output(), h.describe(report)).not.toMatch(/exited unexpectedly/);
    service.signal('SIGTERM');
    expect((await h.waitForExit(service)).code, h.describe(report)).toBe(0);
  });

  it('a failing onStart hook stops the service by itself, with exit code 1', async () => {
    const h = harness();
    const config = h.writeConfig();
    const service = h.start(config, { [FAIL_HOOK_ENV]: 'onStart' });
    const { code } = await h.waitForExit(service);
    expect(code, h.describe()).toBe(1);
    expect(service.output(), h.describe()).toMatch(/The onStart hook failed/);
    expect(h.hooks('onStop'), h.describe()).toHaveLength(1);
    await h.expectNothingLeft(config);
  });

  it('a failing onWorkerStart hook: the worker exits before its first claim and is restarted', async () => {
    const h = harness();
    const accepted = await h.enqueueWork(3, 10);
    const config = h.writeConfig();
    const service = h.start(config, { [FAIL_HOOK_ENV]: 'onWorkerStart' });
    await h.waitFor(() => h.hooks('onWorkerStart').length >= 2, 'the worker to be restarted');
    service.signal('SIGTERM');
    expect((await h.waitForExit(service)).code, h.describe()).toBe(0);
    expect(service.output(), h.describe()).toMatch(/onWorkerStart hook failed on purpose/);
    const report = await h.report(accepted);
    expect(report.executions, h.describe(report)).toBe(0);
    for (const id of accepted) {
      const job = await h.client.jobs.get(id);
      expect({ state: job.state, attempts: job.attempts }, h.describe(report)).toEqual({
        state: 'ready',
        attempts: 0,
      });
    }
    await h.expectNothingLeft(config);
  });

  it('a failing onStop hook: exit code 1, and the stop is otherwise complete', async () => {
    const h = harness();
    const config = h.writeConfig();
    const service = await h.startReady(config, { [FAIL_HOOK_ENV]: 'onStop' });
    service.signal('SIGTERM');
    expect((await h.waitForExit(service)).code, h.describe()).toBe(1);
    expect(service.output(), h.describe()).toMatch(/The onStop hook failed/);
    await h.expectNothingLeft(config);
  });
});
