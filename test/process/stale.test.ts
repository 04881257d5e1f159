import { expect, it } from 'vitest';
import { executionsOf } from './checker.ts';
import { describeProcess } from './harness.ts';

await describeProcess('shigoto start: a paused service (Ctrl-Z, VM pause) next to a live one', (harness) => {
  it('is pruned and its jobs run elsewhere; once resumed, it drops its stale runs and rejoins under new ids', async () => {
    const h = harness();
    const a = await h.startReady(h.writeConfig({}, 'a'));
    const [oldWorker] = await h.childrenOf(a, 'worker');
    const paused = await h.enqueueWork(4, 2500);
    await h.waitFor(
      () => executionsOf(h.ledger()).filter((e) => e.pid === oldWorker!.pid).length === 4,
      'a to run the first jobs',
    );
    const b = await h.startReady(h.writeConfig({}, 'b'));
    a.signalGroup('SIGSTOP');
    try {
      // b takes a for dead (no heartbeat past the alive threshold) and runs its jobs again.
      await h.waitFor(
        () => executionsOf(h.ledger()).filter((e) => e.instance === b.name).length === 4,
        'b to take over the jobs of the paused service',
      );
    } finally {
      a.signalGroup('SIGCONT');
    }
    await h.waitFor(
      async () => (await h.childrenOf(a, 'worker')).some((w) => w.pid !== oldWorker!.pid),
      'a to rejoin with a fresh worker',
    );

    const after = await h.enqueueWork(40, 50);
    await h.waitForAllDone([...paused, ...after]);
    a.signal('SIGTERM');
    b.signal('SIGTERM');
    const exits = await Promise.all([h.waitForExit(a), h.waitForExit(b)]);
    expect(
      exits.map((e) => e.code),
      h.describe(),
    ).toEqual([0, 0]);

    const report = await h.report([...paused, ...after]);
    const message = h.describe(report);
    // The paused runs may have resumed (their completions refused) before a dropped them:
    // those, and only those, may have run twice.
    expect(
      report.overlap.filter((id) => !paused.includes(id)),
      message,
    ).toEqual([]);
    h.expectClean({ ...report, overlap: [] }, new Set(paused));
    await h.expectNothingLeft();
  });
});
