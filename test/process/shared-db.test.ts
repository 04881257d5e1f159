import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { executionsOf } from './checker.ts';
import { PROCESS_TEST, useServiceHarness } from './harness.ts';

describe('shigoto start: two supervisors on one SQLite file (as two hosts would run)', PROCESS_TEST, () => {
  const harness = useServiceHarness();

  it('share 400 jobs: both run some, none runs twice or is lost, and the file stays intact', async () => {
    const h = harness();
    const worker = { queues: ['*'], threads: 4, bulk_read_size: 4, polling_interval: 0.02 };
    const configA = h.writeConfig({ workers: [worker] }, 'a');
    const configB = h.writeConfig({ workers: [worker] }, 'b');
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
    // Busy errors are retried inside the driver: none reached the runtime.
    expect(h.hooks('onThreadError'), h.describe(report)).toEqual([]);
    await h.expectNothingLeft(configA, configB);
    const db = new Database(h.dbPath, { readonly: true });
    try {
      expect(db.pragma('integrity_check', { simple: true }), h.describe(report)).toBe('ok');
    } finally {
      db.close();
    }
  });
});
