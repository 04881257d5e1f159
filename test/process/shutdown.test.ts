import { expect, it } from 'vitest';
import { MAX_MS_ENV, SLOW_WORKER_STOP_ENV, work } from '../fixtures/process-app.ts';
import { describeProcess, type Service, type ServiceHarness } from './harness.ts';

/** After a stop: nothing left behind, and the supervisor ran its onStop hook. */
async function expectStoppedClean(h: ServiceHarness, service: Service, configPath: string): Promise<void> {
  await h.expectNothingLeft(configPath);
  expect(
    h.hooks('onStop').map((e) => e.instance),
    h.describe(),
  ).toContain(service.name);
}

/** Waits until `n` runs have started (so jobs are in flight), and returns their job ids. */
async function waitForStarts(h: ServiceHarness, n: number): Promise<string[]> {
  let started: string[] = [];
  await h.waitFor(() => {
    started = h.ledger().entries.flatMap((e) => (e.type === 'start' ? [e.job] : []));
    return started.length >= n;
  }, `${n} runs to start`);
  return started;
}

await describeProcess('shigoto start: graceful and immediate stops', (harness) => {
  it('TERM with jobs shorter than shutdown_timeout: they all finish, exit 0, nothing left behind', async () => {
    const h = harness();
    const config = h.writeConfig({ shutdown_timeout: 5 });
    const service = await h.startReady(config);
    const accepted = await h.enqueueWork(5, 600);
    await waitForStarts(h, 5);
    service.signal('SIGTERM');
    const { code } = await h.waitForExit(service);
    expect(code, h.describe()).toBe(0);
    const report = await h.report(accepted);
    h.expectClean(report);
    expect(report.finishedRuns, h.describe(report)).toBe(5);
    expect(report.abortedRuns, h.describe(report)).toBe(0);
    await expectStoppedClean(h, service, config);
  });

  it('INT to the process group (Ctrl-C): the same clean stop', async () => {
    const h = harness();
    const config = h.writeConfig({ shutdown_timeout: 5 });
    const service = await h.startReady(config);
    const accepted = await h.enqueueWork(5, 600);
    await waitForStarts(h, 5);
    service.signalGroup('SIGINT');
    const { code } = await h.waitForExit(service);
    expect(code, h.describe()).toBe(0);
    const report = await h.report(accepted);
    h.expectClean(report);
    expect(report.finishedRuns, h.describe(report)).toBe(5);
    await expectStoppedClean(h, service, config);
  });

  it('TERM with jobs longer than shutdown_timeout: they are released with their attempt given back, and the next start runs them', async () => {
    const h = harness();
    const config = h.writeConfig({ shutdown_timeout: 1 });
    const service = await h.startReady(config);
    const accepted = await h.enqueueWork(4, 60_000);
    await waitForStarts(h, 4);
    service.signal('SIGTERM');
    const { code } = await h.waitForExit(service);
    expect(code, h.describe()).toBe(0);
    const first = await h.report(accepted);
    expect(first.abortedRuns, h.describe(first)).toBe(4);
    for (const id of accepted) {
      const job = await h.client.jobs.get(id);
      expect({ state: job.state, attempts: job.attempts }, h.describe(first)).toEqual({
        state: 'ready',
        attempts: 0,
      });
    }
    await expectStoppedClean(h, service, config);

    await h.drain(config, accepted);
    const report = await h.report(accepted);
    h.expectClean(report);
    expect(report.finishedRuns, h.describe(report)).toBe(4);
    const reruns = h.ledger().entries.filter((e) => e.type === 'start' && e.instance === 's2');
    expect(
      reruns.map((e) => (e.type === 'start' ? e.attempt : 0)),
      h.describe(report),
    ).toEqual([1, 1, 1, 1]);
  });

  it('QUIT: running jobs are released at once (not finished), and the next start runs them', async () => {
    const h = harness();
    const config = h.writeConfig({ shutdown_timeout: 20 });
    const service = await h.startReady(config);
    const accepted = await h.enqueueWork(4, 60_000);
    await waitForStarts(h, 4);
    service.signal('SIGQUIT');
    const { code } = await h.waitForExit(service);
    expect(code, h.describe()).toBe(0);
    const first = await h.report(accepted);
    expect({ aborted: first.abortedRuns, finished: first.finishedRuns }, h.describe(first)).toEqual({
      aborted: 4,
      finished: 0,
    });
    expect((await h.client.jobs.counts()).ready, h.describe(first)).toBe(4);
    await expectStoppedClean(h, service, config);

    await h.drain(config, accepted);
    const report = await h.report(accepted);
    h.expectClean(report);
    expect(report.finishedRuns, h.describe(report)).toBe(4);
  });

  it('QUIT during a graceful stop cuts it short: running jobs are released, not waited for', async () => {
    const h = harness();
    const config = h.writeConfig({ shutdown_timeout: 20 });
    const service = await h.startReady(config);
    const accepted = await h.enqueueWork(3, 8000);
    await waitForStarts(h, 3);
    service.signal('SIGTERM');
    await h.waitFor(() => service.output().includes('Stopping gracefully'), 'the graceful stop to begin');
    service.signal('SIGQUIT');
    const { code } = await h.waitForExit(service);
    expect(code, h.describe()).toBe(0);
    // Had QUIT been ignored, the 8 s jobs would have finished within the 20 s shutdown timeout.
    const report = await h.report(accepted);
    expect({ aborted: report.abortedRuns, finished: report.finishedRuns }, h.describe(report)).toEqual({
      aborted: 3,
      finished: 0,
    });
    await expectStoppedClean(h, service, config);
  });

  it('TERM five times quickly: one clean shutdown', async () => {
    const h = harness();
    const config = h.writeConfig({ shutdown_timeout: 5 });
    const service = await h.startReady(config);
    const accepted = await h.enqueueWork(5, 800);
    await waitForStarts(h, 5);
    for (let i = 0; i < 5; i++) {
      service.signal('SIGTERM');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const { code } = await h.waitForExit(service);
    expect(code, h.describe()).toBe(0);
    const report = await h.report(accepted);
    h.expectClean(report);
    expect(report.finishedRuns, h.describe(report)).toBe(5);
    expect(service.output().match(/Stopping gracefully/g), h.describe(report)).toHaveLength(1);
    expect(h.hooks('onStop'), h.describe(report)).toHaveLength(1);
    expect(h.hooks('onWorkerStop'), h.describe(report)).toHaveLength(1);
    await expectStoppedClean(h, service, config);
  });

  it('TERM past shutdown_timeout with a job that ignores its abort signal: nobody else runs it while it still runs', async () => {
    const h = harness();
    // A slow onWorkerStop keeps the stopping worker (and the ignored job) alive a while longer.
    const a = await h.startReady(h.writeConfig({ shutdown_timeout: 1 }, 'a'), {
      [SLOW_WORKER_STOP_ENV]: '1000',
    });
    // Far longer than the stop (its process exits first): had it finished in a before that, its
    // result would be dropped and the job run again in b (a slow start of b made that happen).
    const { id } = await h.client.enqueue(work, { ms: 30_000, ignoreAbort: true });
    await waitForStarts(h, 1);
    const b = await h.startReady(h.writeConfig({}, 'b'), { [MAX_MS_ENV]: '50' });
    a.signal('SIGTERM');
    expect((await h.waitForExit(a)).code, h.describe()).toBe(0);
    await h.waitForAllDone([id]);
    b.signal('SIGTERM');
    expect((await h.waitForExit(b)).code, h.describe()).toBe(0);

    const report = await h.report([id]);
    h.expectClean(report);
    expect(report.finishedRuns, h.describe(report)).toBe(1);
    // It could not be given back while running: it was released once its process had exited.
    expect(a.output(), h.describe(report)).toMatch(/ignored the abort signal/);
  });
});
