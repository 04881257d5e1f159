import Database from 'better-sqlite3';
import { expect, it } from 'vitest';
import { executionsOf } from './checker.ts';
import { describeProcess, PROCESS_BACKENDS, type Service, type ServiceHarness } from './harness.ts';

const WORKER = { queues: ['*'], threads: 4, bulk_read_size: 4, polling_interval: 0.02 };

await describeProcess(
  'shigoto start: two supervisors on one database (as two hosts would run)',
  (harness, backend) => {
    it('share 400 jobs: both run some, none runs twice or is lost, and the database stays intact', async () => {
      const h = harness();
      const configA = h.writeConfig({ workers: [WORKER] }, 'a');
      const configB = h.writeConfig({ workers: [WORKER] }, 'b');
      const a = await h.startReady(configA);
      const b = await h.startReady(configB);
      const accepted = await h.enqueueWork(400, 20);
      await h.waitForAllDone(accepted);
      a.signal('SIGTERM');
      b.signal('SIGTERM');
      const exits = await Promise.all([h.waitForExit(a), h.waitForExit(b)]);
      expect(
        exits.map((e) => e.code),
        h.describe(),
      ).toEqual([0, 0]);

      const report = await h.report(accepted);
      h.expectClean(report);
      const runsBy = Map.groupBy(executionsOf(h.ledger()), (e) => e.instance);
      expect([...runsBy.keys()].sort(), h.describe(report)).toEqual([a.name, b.name]);
      // Busy errors and conflicts are retried inside the driver: none reached the runtime.
      expect(h.hooks('onThreadError'), h.describe(report)).toEqual([]);
      await h.expectNothingLeft(configA, configB);
      if (backend !== 'sqlite') return;
      const db = new Database(h.dbPath, { readonly: true });
      try {
        expect(db.pragma('integrity_check', { simple: true }), h.describe(report)).toBe('ok');
      } finally {
        db.close();
      }
    });
  },
);

/** Waits until `service` runs jobs, then kill -9s its whole process group; returns the pids killed. */
async function killHostWhileBusy(h: ServiceHarness, service: Service): Promise<number[]> {
  await h.waitFor(
    () => executionsOf(h.ledger()).some((e) => e.instance === service.name && e.outcome === 'open'),
    `${service.name} to be running jobs`,
  );
  const pids = [service.pid, ...(await h.childrenOf(service)).map((c) => c.pid)];
  h.kill9Group(service, pids);
  return pids;
}

/**
 * Waits until the survivor has pruned every process of the killed host, and has said so: its
 * log line comes through the pipe a moment after the database shows the prune, so both are
 * waited for (a prune that is never logged fails on the wait).
 */
async function expectPruned(h: ServiceHarness, survivor: Service, killed: readonly number[]): Promise<void> {
  await h.waitFor(async () => {
    const registered = (await h.client.processes.list()).map((p) => p.pid);
    return killed.every((pid) => !registered.includes(pid));
  }, `${survivor.name} to prune the killed processes`);
  const pruneLog = () =>
    survivor
      .output()
      .split('\n')
      .filter((line) => line.includes('Pruned dead processes'))
      .join('\n');
  await h.waitFor(
    () => killed.every((pid) => pruneLog().includes(`:${pid}@`)),
    `${survivor.name} to log the prune of ${killed.join(', ')}`,
  );
  for (const pid of killed) expect(pruneLog(), h.describe()).toContain(`:${pid}@`);
}

// Always on PostgreSQL too: several hosts sharing one database is what it is for.
const HOSTS_BACKENDS = [...new Set([...PROCESS_BACKENDS, 'postgres' as const])];

await describeProcess(
  'shigoto start: two supervisors, each host killed in turn (kill -9 of a whole service)',
  (harness) => {
    it('the other prunes the dead host and runs its jobs: none lost, none twice at once', async () => {
      const h = harness();
      const configA = h.writeConfig({ workers: [WORKER] }, 'a');
      const configB = h.writeConfig({ workers: [WORKER] }, 'b');
      const a = await h.startReady(configA);
      const b = await h.startReady(configB);
      const first = await h.enqueueWork(200, (i) => 30 + (i % 4) * 20);
      const killedA = await killHostWhileBusy(h, a);
      await expectPruned(h, b, killedA);

      // A comes back (its pidfile is stale), then B dies while both run the second batch.
      const a2 = await h.startReady(configA);
      const second = await h.enqueueWork(200, (i) => 30 + (i % 4) * 20);
      const killedB = await killHostWhileBusy(h, b);
      await expectPruned(h, a2, killedB);

      const accepted = [...first, ...second];
      await h.waitForAllDone(accepted);
      a2.signal('SIGTERM');
      expect((await h.waitForExit(a2)).code, h.describe()).toBe(0);
      const report = await h.report(accepted);
      // Jobs the killed hosts ran (or finished without recording it) may have run again after them.
      const ranOnKilled = new Set(
        executionsOf(h.ledger())
          .filter((e) => [...killedA, ...killedB].includes(e.pid))
          .map((e) => e.job),
      );
      h.expectClean(report, ranOnKilled);
      const states = await h.states();
      expect(
        accepted.filter((id) => states.get(id) !== 'finished'),
        h.describe(report),
      ).toEqual([]);
      await h.expectNothingLeft(configA);
    });
  },
  HOSTS_BACKENDS,
);
