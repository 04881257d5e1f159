import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect, it } from 'vitest';
import { type JobRecord, MAX_PAGE } from '../../src/backend/types.ts';
import { describeProcess, isRunning, type Service, type ServiceHarness } from './harness.ts';

/** How long three schedulers share the every-second task: a minute, as issue #4 asks. */
const RUN_MS = 60_000;
const SECOND = 1000;

/** Writes the recurring tasks file and a config that runs only a scheduler (no workers). */
function schedulerOnly(h: ServiceHarness, name: string, tasks: string): string {
  const file = join(h.dir, `${name}-recurring.yml`);
  writeFileSync(file, tasks);
  return h.writeConfig({ workers: [], dispatchers: [], scheduler: { recurring_schedule_file: file } }, name);
}

async function schedulerOf(h: ServiceHarness, service: Service) {
  return (await h.childrenOf(service, 'scheduler'))[0];
}

async function allJobs(h: ServiceHarness): Promise<JobRecord[]> {
  const jobs: JobRecord[] = [];
  for (let beforeId: string | undefined; ; ) {
    const page = await h.client.backend.listJobs({ limit: MAX_PAGE, beforeId });
    jobs.push(...page);
    if (page.length < MAX_PAGE) return jobs;
    beforeId = page.at(-1)!.id;
  }
}

const runAtOf = (job: JobRecord) =>
  Date.parse((JSON.parse(job.metadata) as { recurringRunAt: string }).recurringRunAt);

// The race on the unique (task, run time) is the database's: always on PostgreSQL too.
await describeProcess(
  'shigoto start: three schedulers of recurring tasks on one database',
  (harness) => {
    it(`enqueue each run of an every-second task once for ${RUN_MS / SECOND} s, with no gaps, through a kill -9 of one scheduler and of one whole service`, {
      timeout: RUN_MS + 90_000,
    }, async () => {
      const h = harness();
      await h.client.migrate();
      const tasks = 'tick:\n  job: Work\n  args: { ms: 1 }\n  schedule: every second\n';
      const services = ['a', 'b', 'c'].map((name) => h.start(schedulerOnly(h, name, tasks)));
      await h.waitFor(
        async () => (await Promise.all(services.map((s) => schedulerOf(h, s)))).every(Boolean),
        'three schedulers to register',
      );
      const from = Date.now();
      const [a, b, c] = services as [Service, Service, Service];

      // A third in: the scheduler process of service a dies; its supervisor starts another.
      await sleep(RUN_MS / 3);
      const killed = (await schedulerOf(h, a))!;
      h.kill9(killed.pid);
      await h.waitFor(
        async () => ((await schedulerOf(h, a))?.pid ?? killed.pid) !== killed.pid,
        'service a to restart its scheduler',
      );

      // Two thirds in: service b is lost as a whole (supervisor and scheduler, as with a host).
      await sleep(RUN_MS / 3);
      const bScheduler = (await schedulerOf(h, b))!;
      h.kill9Group(b, [b.pid, bScheduler.pid]);
      await h.waitForExit(b);
      // The group's members die each on its own schedule: the scheduler may outlive its
      // supervisor by a moment on a busy machine (CI once checked in between).
      await h.waitFor(() => !isRunning(bScheduler.pid), 'the scheduler of service b to die');

      await sleep(RUN_MS / 3);
      const to = Date.now();
      a.signal('SIGTERM');
      c.signal('SIGTERM');
      const exits = await Promise.all([h.waitForExit(a), h.waitForExit(c)]);
      expect(
        exits.map((e) => e.code),
        h.describe(),
      ).toEqual([0, 0]);

      const jobs = await allJobs(h);
      const runs = jobs.map(runAtOf).sort((x, y) => x - y);
      const message = `${jobs.length} jobs from ${new Date(runs[0]!).toISOString()} to ${new Date(runs.at(-1)!).toISOString()}\n${h.describe()}`;
      // Exactly once: no run time twice.
      expect(runs.length - new Set(runs).size, message).toBe(0);
      // No gaps: every second of the window, including while a scheduler was dead.
      const expected: number[] = [];
      for (let second = Math.floor(from / SECOND) + 1; second * SECOND <= to - SECOND; second++) {
        expected.push(second * SECOND);
      }
      expect(
        expected.filter((run) => !runs.includes(run)).map((run) => new Date(run).toISOString()),
        message,
      ).toEqual([]);
      for (let i = 1; i < runs.length; i++) expect(runs[i]! - runs[i - 1]!, message).toBe(SECOND);
      // Each job is the task's, stored when its run was due, never before.
      for (const job of jobs) {
        expect(job).toMatchObject({ name: 'Work', args: '{"ms":1}', state: 'ready' });
        expect(job.enqueuedAt, message).toBeGreaterThanOrEqual(runAtOf(job));
      }
      const last = await h.client.backend.lastRecurringExecutions({ taskKeys: ['tick'] });
      expect(last.map((run) => run.runAt)).toEqual([runs.at(-1)]);
    });
  },
  ['sqlite', 'postgres'],
);

await describeProcess('shigoto start: the scheduler of recurring tasks', (harness) => {
  it('runs a command task in a worker: the app function is called every second', async () => {
    const h = harness();
    const file = join(h.dir, 'recurring.yml');
    writeFileSync(file, 'ping:\n  command: recurringPing\n  schedule: every second\n');
    const config = h.writeConfig({ scheduler: { recurring_schedule_file: file } });
    const service = h.start(config);
    await h.waitFor(() => h.hooks('recurringPing').length >= 2, 'two calls of the command');
    service.signal('SIGTERM');
    expect((await h.waitForExit(service)).code, h.describe()).toBe(0);
    const finished = await h.client.backend.listJobs({
      state: 'finished',
      name: 'shigoto.recurring_command',
    });
    expect(finished.length).toBeGreaterThanOrEqual(2);
    expect(await h.client.backend.listJobs({ state: 'failed' })).toEqual([]);
    await h.expectNothingLeft(config);
  });

  it('starts no scheduler when it is disabled, even with a broken tasks file', async () => {
    const h = harness();
    const file = join(h.dir, 'recurring.yml');
    writeFileSync(file, 'broken:\n  job: Nope\n  schedule: every fortnight\n');
    const config = h.writeConfig({ scheduler: { enabled: false, recurring_schedule_file: file } });
    const service = await h.startReady(config);
    expect(await h.childrenOf(service, 'scheduler')).toEqual([]);
    expect(service.output()).toContain('scheduler disabled');
    service.signal('SIGTERM');
    expect((await h.waitForExit(service)).code, h.describe()).toBe(0);
  });
});
