import { expect, it } from 'vitest';
import { work } from '../fixtures/process-app.ts';
import { type Execution, executionsOf } from './checker.ts';
import { describeProcess, SERIAL_QUEUE } from './harness.ts';

const JOBS = 500;
/** 500 jobs handed from worker to worker one at a time take a while: the drain gets this long. */
const DRAIN_MS = 100_000;

await describeProcess('shigoto start: a serialized queue', (harness) => {
  it('two worker processes, 500 jobs and a kill -9 mid-job: one at a time, in enqueue order, the killed job first again', async () => {
    const h = harness();
    const config = h.writeConfig({
      workers: [{ queues: ['*'], threads: 5, processes: 2, polling_interval: 0.02, bulk_read_size: 5 }],
      queues: { [SERIAL_QUEUE]: { serialized: true } },
    });
    const service = await h.startReady(config);
    const accepted = (
      await h.client.enqueueMany(
        Array.from({ length: JOBS }, (_, i) => ({
          job: work,
          // Now and then a longer job, so the kill finds one running.
          args: { ms: i % 50 === 0 ? 300 : 2 + (i % 3) * 4 },
          options: { queue: SERIAL_QUEUE },
        })),
      )
    ).map((job) => job.id);
    expect((await h.client.jobs.counts()).blocked).toBe(JOBS - 1);

    // Kill the worker running the first long job after the first hundred.
    let victim: Execution | undefined;
    await h.waitFor(
      () => {
        victim = executionsOf(h.ledger()).find(
          (run) =>
            run.outcome === 'open' &&
            accepted.indexOf(run.job) >= 100 &&
            accepted.indexOf(run.job) % 50 === 0,
        );
        return victim !== undefined;
      },
      'a long job after the first hundred to be running',
      DRAIN_MS,
    );
    h.kill9(victim!.pid);
    await h.waitFor(
      async () => (await h.client.jobs.counts()).finished === JOBS,
      `all ${JOBS} jobs to finish`,
      DRAIN_MS,
    );
    service.signal('SIGTERM');
    expect((await h.waitForExit(service)).code, h.describe()).toBe(0);

    const report = await h.report(accepted);
    h.expectClean(report, new Set([victim!.job]));
    const runs = executionsOf(h.ledger(), h.deaths).sort((a, b) => a.startedAt - b.startedAt);
    const message = h.describe(report);
    // Both worker processes took part.
    expect(new Set(runs.map((r) => r.pid)).size, message).toBeGreaterThanOrEqual(2);
    // No overlap: each run started after the one before it ended (a killed run ends at its death).
    const overlaps = runs.filter((run, i) => i > 0 && run.startedAt < runs[i - 1]!.endedAt!);
    expect(overlaps, message).toEqual([]);
    // No reordering: the runs follow the enqueue order, the killed job running again at once.
    const expected = accepted.flatMap((id) => (id === victim!.job ? [id, id] : [id]));
    expect(
      runs.map((r) => r.job),
      message,
    ).toEqual(expected);
    expect(
      runs.filter((r) => r.job === victim!.job).map((r) => r.outcome),
      message,
    ).toEqual(['open', 'finished']);
    await h.expectNothingLeft(config);
  });
});
