import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { describeProcess } from './harness.ts';

await describeProcess('shigoto start: pidfile and bad jobs', (harness) => {
  it('a second start with the same pidfile exits with code 6 and leaves the first one running', async () => {
    const h = harness();
    const config = h.writeConfig();
    const first = await h.startReady(config);
    const second = h.start(config);
    const { code } = await h.waitForExit(second);
    expect(code, h.describe()).toBe(6);
    expect(second.output(), h.describe()).toMatch(
      new RegExp(`already running with pid ${first.pid} \\(pidfile .*shigoto\\.pid\\)`),
    );
    expect(first.exited, h.describe()).toBe(false);
    expect(readFileSync(h.pidfile(config), 'utf8').trim(), h.describe()).toBe(String(first.pid));

    first.signal('SIGTERM');
    expect((await h.waitForExit(first)).code, h.describe()).toBe(0);
  });

  it('a job with an unknown name or an undecodable payload fails alone; the jobs around it run', async () => {
    const h = harness();
    const config = h.writeConfig();
    const service = await h.startReady(config);
    const [worker] = await h.childrenOf(service, 'worker');
    const before = await h.enqueueWork(5, 10);
    const raw = { queue: 'default', priority: 0, metadata: '{}', runAt: null };
    const [unknown, undecodable] = await h.client.backend.enqueue({
      jobs: [
        { ...raw, name: 'NoSuchJob', args: '{"ms":1}' },
        { ...raw, name: 'Work', args: '{"ms": not json' },
      ],
      now: Date.now(),
    });
    const after = await h.enqueueWork(5, 10);
    const accepted = [...before, ...after];
    await h.waitForAllDone([...accepted, unknown!, undecodable!]);

    const report = await h.report(accepted);
    h.expectClean(report);
    expect(report.finishedRuns, h.describe(report)).toBe(10);
    const failed = await Promise.all([unknown!, undecodable!].map((id) => h.client.jobs.get(id)));
    expect(
      failed.map((j) => ({ state: j.state, error: j.lastError?.name })),
      h.describe(report),
    ).toEqual([
      { state: 'failed', error: 'UnknownJobError' },
      { state: 'failed', error: 'PayloadDecodeError' },
    ]);
    expect(
      (await h.childrenOf(service, 'worker')).map((w) => w.pid),
      h.describe(report),
    ).toEqual([worker!.pid]);
    service.signal('SIGTERM');
    expect((await h.waitForExit(service)).code, h.describe(report)).toBe(0);
  });
});
