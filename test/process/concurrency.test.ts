import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { pair, SOLO_DURATION_MS, solo } from '../fixtures/concurrency-app.ts';
import { type Execution, executionsOf } from './checker.ts';
import { describeProcess, type ServiceHarness } from './harness.ts';

const APP = fileURLToPath(new URL('../fixtures/concurrency-app.ts', import.meta.url));

/** The most runs alive at one moment (a run ends at its finish, abort, or its process's death). */
function mostAtOnce(runs: readonly Execution[]): number {
  // Ends sort before starts at the same millisecond: a run that ended then no longer counts.
  const edges = runs.flatMap((r) => [
    { at: r.startedAt, delta: 1 },
    { at: r.endedAt ?? Number.POSITIVE_INFINITY, delta: -1 },
  ]);
  edges.sort((a, b) => a.at - b.at || a.delta - b.delta);
  let alive = 0;
  let most = 0;
  for (const edge of edges) {
    alive += edge.delta;
    most = Math.max(most, alive);
  }
  return most;
}

function runsOf(h: ServiceHarness, ids: readonly string[]): Execution[] {
  const wanted = new Set(ids);
  return executionsOf(h.ledger(), h.deaths).filter((run) => wanted.has(run.job));
}

/** Enqueues `count` Solo jobs of `ms` each, all on one key. */
async function enqueueSolo(h: ServiceHarness, count: number, ms: number): Promise<string[]> {
  const jobs = Array.from({ length: count }, () => ({ job: solo, args: { ms, key: 'k' } }));
  return (await h.client.enqueueMany(jobs)).map((job) => job.id);
}

/** Waits until one of the jobs runs and returns that run. */
async function firstRun(h: ServiceHarness, ids: readonly string[]): Promise<Execution> {
  let first: Execution | undefined;
  await h.waitFor(() => {
    first = runsOf(h, ids).find((r) => r.outcome === 'open');
    return first !== undefined;
  }, 'the first job to start');
  return first!;
}

await describeProcess('shigoto start: concurrency limits', (harness) => {
  it('limit 2 with 200 jobs on one key: never three running at once, every job runs', async () => {
    const h = harness();
    const config = h.writeConfig({
      app: APP,
      workers: [{ queues: ['*'], threads: 5, processes: 2, polling_interval: 0.02, bulk_read_size: 5 }],
    });
    await h.client.migrate();
    const accepted = (
      await h.client.enqueueMany(
        Array.from({ length: 200 }, (_, i) => ({ job: pair, args: { ms: 5 + (i % 4) * 5 } })),
      )
    ).map((job) => job.id);
    expect((await h.client.jobs.counts()).blocked).toBe(198);
    await h.drain(config, accepted);
    const report = await h.report(accepted);
    h.expectClean(report);
    const runs = runsOf(h, accepted);
    expect(
      runs.filter((r) => r.outcome === 'finished'),
      h.describe(report),
    ).toHaveLength(200);
    expect(mostAtOnce(runs), h.describe(report)).toBe(2);
    await h.expectNothingLeft(config);
  });

  it('a worker killed -9 while its job holds the slot: the job runs again first, keeping the slot', async () => {
    const h = harness();
    const config = h.writeConfig({
      app: APP,
      workers: [{ queues: ['*'], threads: 3, processes: 2, polling_interval: 0.02, bulk_read_size: 3 }],
    });
    const service = await h.startReady(config);
    const accepted = await enqueueSolo(h, 4, 400);
    const first = await firstRun(h, accepted);
    h.kill9(first.pid);
    await h.waitForAllDone(accepted);
    service.signal('SIGTERM');
    expect((await h.waitForExit(service)).code, h.describe()).toBe(0);
    const report = await h.report(accepted);
    h.expectClean(report, new Set([first.job]));
    const runs = runsOf(h, accepted).sort((x, y) => x.startedAt - y.startedAt);
    expect(mostAtOnce(runs), h.describe(report)).toBe(1);
    // Released by the supervisor with its slot, it is the next to run.
    expect(
      runs.slice(0, 2).map((r) => r.job),
      h.describe(report),
    ).toEqual([first.job, first.job]);
    await h.expectNothingLeft(config);
  });

  it('a host killed -9 while its job holds the slot: the limit holds, and the next job runs after the duration', async () => {
    const h = harness();
    // The dead host is pruned well after the slot's duration: the duration frees the followers.
    const aliveThresholdMs = 4 * SOLO_DURATION_MS;
    const settings = (name: string) =>
      h.writeConfig(
        {
          app: APP,
          workers: [{ queues: ['*'], threads: 3, polling_interval: 0.02, bulk_read_size: 3 }],
          dispatchers: [{ polling_interval: 0.1, concurrency_maintenance_interval: 0.2 }],
          process_heartbeat_interval: 0.5,
          process_alive_threshold: aliveThresholdMs / 1000,
        },
        name,
      );
    const [configA, configB] = [settings('a'), settings('b')];
    const a = await h.startReady(configA);
    const b = await h.startReady(configB);
    const enqueuedAt = Date.now();
    const accepted = await enqueueSolo(h, 5, 600);
    const first = await firstRun(h, accepted);
    const [victim, survivor, survivorConfig] = first.instance === a.name ? [a, b, configB] : [b, a, configA];
    const killed = [victim.pid, ...(await h.childrenOf(victim)).map((c) => c.pid)];
    h.kill9Group(victim, killed);
    const killedAt = Date.now();

    await h.waitForAllDone(accepted);
    survivor.signal('SIGTERM');
    expect((await h.waitForExit(survivor)).code, h.describe()).toBe(0);
    const report = await h.report(accepted);
    h.expectClean(report, new Set([first.job]));
    const runs = runsOf(h, accepted);
    expect(mostAtOnce(runs), h.describe(report)).toBe(1);
    // The first follower waited for the slot's duration, not for the dead host to be pruned.
    const follower = runs.filter((r) => r.job !== first.job).sort((x, y) => x.startedAt - y.startedAt)[0]!;
    expect(follower.startedAt, h.describe(report)).toBeGreaterThanOrEqual(enqueuedAt + SOLO_DURATION_MS);
    expect(follower.startedAt, h.describe(report)).toBeLessThan(killedAt + aliveThresholdMs);
    // The killed job ran again once its host was pruned, and finished.
    expect(
      runs.filter((r) => r.job === first.job && r.outcome === 'finished'),
      h.describe(report),
    ).toHaveLength(1);
    await h.expectNothingLeft(survivorConfig);
  });
});
