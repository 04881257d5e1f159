import { describe, expect, it } from 'vitest';
import { crash } from '../fixtures/cli-app.ts';
import { useCli } from './cli-harness.ts';

const cli = useCli();

const statesOf = async (ids: readonly string[]) =>
  Promise.all(ids.map(async (id) => (await (await cli.client()).jobs.get(id)).state));

/** An errored job heading queue `halts`, and a job waiting behind it. */
async function stoppedQueue(): Promise<{ errored: string; waiting: string }> {
  const [errored] = await cli.failedJobs(1, 'halts');
  const waiting = await (await cli.client()).enqueue(crash, { reason: 'later' }, { queue: 'halts' });
  return { errored: errored!, waiting: waiting.id };
}

describe('errored jobs of serialized queues', () => {
  it('are listed by jobs list --state errored and counted by queues list, which shows a stopped queue', async () => {
    const lines = await cli.failedJobs(2, 'lines');
    const { errored, waiting } = await stoppedQueue();
    const listed = await cli.json<{ id: string }[]>(['jobs', 'list', '--state', 'errored']);
    expect(listed.map((j) => j.id)).toEqual([errored, lines[1], lines[0]]);
    expect(await statesOf([waiting])).toEqual(['blocked']);
    expect(await cli.json(['queues', 'list'])).toEqual([
      expect.objectContaining({ name: 'halts', errored: 1, stopped: true, blocked: 1 }),
      expect.objectContaining({ name: 'lines', errored: 2, stopped: false }),
    ]);
    const table = await cli.run(['queues', 'list']);
    expect(table.stdout).toMatch(
      /^QUEUE\s+STATE\s+READY\s+SCHEDULED\s+BLOCKED\s+RUNNING\s+FAILED\s+ERRORED\s+LATENCY\n/,
    );
    expect(table.stdout).toMatch(/\nhalts\s+stopped\s+0\s+0\s+1\s+0\s+0\s+1\s+-\n/);
    expect((await cli.run(['status'])).stdout).toMatch(/\nhalts\s+stopped\s+0\s+-\n/);
    expect((await cli.run(['jobs', 'show', errored])).stdout).toContain('  serialized line: halts\n');
  });
});

describe.each([
  ['reenter', 'Re-entered', 'reentered', 'ready'],
  ['remove', 'Removed', 'removed', 'discarded'],
] as const)('shigoto jobs %s', (verb, done, key, after) => {
  it('by ids: the stopped queue goes on, and ids that are not errored exit 3 saying why', async () => {
    const { errored, waiting } = await stoppedQueue();
    const result = await cli.run(['jobs', verb, errored, waiting, '999']);
    expect(result).toEqual({
      code: 3,
      stdout:
        `${done} 1 errored job.\n` +
        `Skipped job ${waiting}: it is blocked, not errored.\n` +
        'Skipped job 999: there is no such job.\n',
      stderr: '',
    });
    // Re-entered, the errored job heads its line again; removed, the next one does.
    expect(await statesOf([errored, waiting])).toEqual(
      verb === 'reenter' ? ['ready', 'blocked'] : ['discarded', 'ready'],
    );
    expect((await cli.json<{ stopped: boolean }[]>(['queues', 'list']))[0]).toMatchObject({ stopped: false });
  });

  it('--queue: every errored job of that queue only, with --json', async () => {
    const mine = await cli.failedJobs(2, 'lines');
    const { errored } = await stoppedQueue();
    expect(await cli.json(['jobs', verb, '--queue', 'lines'])).toEqual({ [key]: 2 });
    expect(await statesOf([...mine, errored])).toEqual([
      verb === 'reenter' ? 'ready' : after,
      verb === 'reenter' ? 'blocked' : after,
      'errored',
    ]);
  });

  it('--all: every errored job; failed jobs are not touched', async () => {
    const lines = await cli.failedJobs(1, 'lines');
    const { errored } = await stoppedQueue();
    const failed = await cli.failedJobs(1);
    expect(await cli.run(['jobs', verb, '--all'])).toEqual({
      code: 0,
      stdout: `${done} 2 errored jobs.\n`,
      stderr: '',
    });
    expect(await statesOf([...lines, errored, ...failed])).toEqual([after, after, 'failed']);
  });

  it('without a selector, or with two: exit 2, nothing changed', async () => {
    const { errored } = await stoppedQueue();
    expect(await cli.run(['jobs', verb])).toEqual({
      code: 2,
      stdout: '',
      stderr: `shigoto: Say which errored jobs to ${verb} in one way: ids, --queue <queue> or --all\n`,
    });
    const two = await cli.run(['jobs', verb, errored, '--all']);
    expect(two.code).toBe(2);
    expect(two.stderr).toContain('(not several)');
    expect(await statesOf([errored])).toEqual(['errored']);
  });
});
