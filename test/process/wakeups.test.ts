import { expect, it } from 'vitest';
import { work } from '../fixtures/process-app.ts';
import { describeProcess } from './harness.ts';

// Workers that poll once a minute: a job that starts within the test's waits was woken by a
// NOTIFY (PostgreSQL is the backend with cross-process wake-ups).
await describeProcess(
  'shigoto start: wake-ups across processes (LISTEN/NOTIFY)',
  (harness) => {
    it('a job enqueued by another process, or promoted by the dispatcher child, wakes an idle worker', async () => {
      const h = harness();
      const config = h.writeConfig({
        workers: [{ queues: ['*'], threads: 2, processes: 2, polling_interval: 60 }],
        dispatchers: [{ polling_interval: 0.1 }],
      });
      const service = await h.startReady(config);
      const now = await h.enqueueWork(3, 10);
      const { id: later } = await h.client.enqueue(work, { ms: 10 }, { wait: 500 });
      await h.waitForAllDone([...now, later]);
      service.signal('SIGTERM');
      expect((await h.waitForExit(service)).code, h.describe()).toBe(0);
      const report = await h.report([...now, later]);
      h.expectClean(report);
      expect(report.finishedRuns, h.describe(report)).toBe(4);
    });
  },
  ['postgres'],
);
