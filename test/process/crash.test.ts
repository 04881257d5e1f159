import { expect, it } from 'vitest';
import { executionsOf } from './checker.ts';
import { describeProcess, isRunning, type ServiceHarness } from './harness.ts';

/** Job ids with a run on `pid`, and those of them whose run there never ended. */
function runsOn(h: ServiceHarness, pid: number) {
  const runs = executionsOf(h.ledger()).filter((e) => e.pid === pid);
  return {
    jobs: new Set(runs.map((e) => e.job)),
    open: runs.filter((e) => e.outcome === 'open').map((e) => e.job),
  };
}

await describeProcess('shigoto start: crashes', (harness) => {
  it('kill -9 of a worker: its claims are released, it is restarted, and every job ends', async () => {
    const h = harness();
    const config = h.writeConfig();
    const service = await h.startReady(config);
    const [worker] = await h.childrenOf(service, 'worker');
    // Five long jobs are surely running at the kill; the short ones keep the rest busy.
    const accepted = await h.enqueueWork(30, (i) => (i < 5 ? 1500 : 100));
    const long = new Set(accepted.slice(0, 5));
    await h.waitFor(() => runsOn(h, worker!.pid).open.filter((id) => long.has(id)).length === 5, 'long runs');
    h.kill9(worker!.pid);
    const { jobs: ranOnKilled, open: inFlight } = runsOn(h, worker!.pid);

    await h.waitFor(
      async () => (await h.childrenOf(service, 'worker')).some((w) => w.pid !== worker!.pid),
      'the worker to be restarted',
    );
    await h.waitForAllDone(accepted);
    service.signal('SIGTERM');
    const { code } = await h.waitForExit(service);
    expect(code, h.describe()).toBe(0);

    const report = await h.report(accepted);
    h.expectClean(report, ranOnKilled);
    expect(report.finishedRuns, h.describe(report)).toBeGreaterThanOrEqual(30);
    // A crash counts as an attempt: the interrupted jobs ran again as attempt 2.
    const reruns = h
      .ledger()
      .entries.filter((e) => e.type === 'start' && inFlight.includes(e.job) && e.pid !== worker!.pid);
    expect(
      reruns.map((e) => (e.type === 'start' ? e.attempt : 0)),
      h.describe(report),
    ).toEqual(inFlight.map(() => 2));
    await h.expectNothingLeft(config);
  });

  it('kill -9 of the supervisor: the children notice and stop; a new start finishes everything', async () => {
    const h = harness();
    const config = h.writeConfig({ shutdown_timeout: 3 });
    const service = await h.startReady(config);
    const children = await h.childrenOf(service);
    const accepted = await h.enqueueWork(10, 500);
    await h.waitFor(() => executionsOf(h.ledger()).length >= 5, 'five runs to start');
    h.kill9(service.pid);
    await h.waitFor(() => children.every((c) => !isRunning(c.pid)), 'the orphaned children to stop');
    // They stopped gracefully: what they ran finished, and they left no claim behind.
    const orphaned = await h.report(accepted);
    expect({ open: orphaned.openRuns, aborted: orphaned.abortedRuns }, h.describe(orphaned)).toEqual({
      open: 0,
      aborted: 0,
    });
    expect((await h.client.jobs.counts()).claimed, h.describe(orphaned)).toBe(0);

    await h.drain(config, accepted);
    const report = await h.report(accepted);
    h.expectClean(report);
    // Also: the dead supervisor's row was pruned by the new one.
    await h.expectNothingLeft(config);
  });

  it('kill -9 of the supervisor, restarted at once while its orphans still run long jobs: no job runs twice', async () => {
    const h = harness();
    const config = h.writeConfig({ shutdown_timeout: 8 });
    const service = await h.startReady(config);
    const children = await h.childrenOf(service);
    const accepted = await h.enqueueWork(5, 3000);
    await h.waitFor(() => executionsOf(h.ledger()).length >= 5, 'five runs to start');
    h.kill9(service.pid);
    // Orphans run on past the alive threshold with no supervisor beating for them.
    const next = await h.startReady(config);
    await h.waitFor(() => children.every((c) => !isRunning(c.pid)), 'the orphaned children to stop');
    await h.waitForAllDone(accepted);
    next.signal('SIGTERM');
    const { code } = await h.waitForExit(next);
    expect(code, h.describe()).toBe(0);
    const report = await h.report(accepted);
    h.expectClean(report);
    expect(report.finishedRuns, h.describe(report)).toBe(5);
    await h.expectNothingLeft(config);
  });

  it('repeated kill -9 of workers under load: nothing lost, reruns only for jobs the killed ones held', async () => {
    const h = harness();
    const config = h.writeConfig({
      workers: [{ queues: ['*'], threads: 5, processes: 2, polling_interval: 0.02, bulk_read_size: 5 }],
    });
    const service = await h.startReady(config);
    const accepted = await h.enqueueWork(400, (i) => 20 + (i % 5) * 10);
    const victims: number[] = [];
    for (let kill = 0; kill < 3; kill++) {
      let victim: number | undefined;
      await h.waitFor(
        async () => {
          const workers = await h.childrenOf(service, 'worker');
          victim = workers.find((w) => !victims.includes(w.pid) && runsOn(h, w.pid).open.length > 0)?.pid;
          return victim !== undefined;
        },
        `a busy worker to kill (kill ${kill + 1})`,
      );
      h.kill9(victim!);
      victims.push(victim!);
    }
    await h.waitForAllDone(accepted);
    service.signal('SIGTERM');
    expect((await h.waitForExit(service)).code, h.describe()).toBe(0);

    const report = await h.report(accepted);
    const held = new Set(victims.flatMap((pid) => [...runsOn(h, pid).jobs]));
    h.expectClean(report, held);
    const states = await h.states();
    expect(
      accepted.filter((id) => states.get(id) !== 'finished'),
      h.describe(report),
    ).toEqual([]);
    await h.expectNothingLeft(config);
  });
});
