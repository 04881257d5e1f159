import { describe, expect, it } from 'vitest';
import { greet } from '../fixtures/cli-app.ts';
import { useCli } from './cli-harness.ts';

const cli = useCli();

const statesOf = async (ids: readonly string[]) =>
  Promise.all(ids.map(async (id) => (await (await cli.client()).jobs.get(id)).state));

describe.each([
  ['retry', 'Retried', 'retried', 'ready'],
  ['discard', 'Discarded', 'discarded', 'discarded'],
] as const)('shigoto jobs %s', (verb, done, key, after) => {
  it('by ids', async () => {
    const ids = await cli.failedJobs(3);
    const result = await cli.run(['jobs', verb, ids[0]!, ids[2]!]);
    expect(result).toEqual({ code: 0, stdout: `${done} 2 failed jobs.\n`, stderr: '' });
    expect(await statesOf(ids)).toEqual([after, 'failed', after]);
  });

  it('by ids, exiting 3 and saying why for ids that are not failed or do not exist', async () => {
    const [failed] = await cli.failedJobs(1);
    const ready = (await (await cli.client()).enqueue(greet, { name: 'x' })).id;
    const result = await cli.run(['jobs', verb, failed!, ready, '999', failed!]);
    expect(result).toEqual({
      code: 3,
      stdout:
        `${done} 1 failed job.\n` +
        `Skipped job ${ready}: it is ready, not failed.\n` +
        'Skipped job 999: there is no such job.\n',
      stderr: '',
    });
    expect(await statesOf([failed!, ready])).toEqual([after, 'ready']);
  });

  it('by ids with --json', async () => {
    const [failed] = await cli.failedJobs(1);
    const result = await cli.run(['jobs', verb, failed!, '999', '--json']);
    expect(result.code).toBe(3);
    expect(JSON.parse(result.stdout)).toEqual({ [key]: 1, skipped: [{ id: '999', state: null }] });
  });

  it('--queue: every failed job of that queue only', async () => {
    const mine = await cli.failedJobs(2, 'imports');
    const others = await cli.failedJobs(1, 'exports');
    const result = await cli.run(['jobs', verb, '--queue', 'imports']);
    expect(result).toEqual({ code: 0, stdout: `${done} 2 failed jobs of queue imports.\n`, stderr: '' });
    expect(await statesOf([...mine, ...others])).toEqual([after, after, 'failed']);
  });

  it('--all-failed: every failed job, with --json, and no progress bar off a terminal', async () => {
    const ids = [...(await cli.failedJobs(2, 'a')), ...(await cli.failedJobs(1, 'b'))];
    const result = await cli.run(['jobs', verb, '--all-failed', '--json']);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual({ [key]: 3 });
    expect(await statesOf(ids)).toEqual([after, after, after]);
  });

  it('--all-failed with nothing failed', async () => {
    expect(await cli.run(['jobs', verb, '--all-failed'])).toEqual({
      code: 0,
      stdout: `${done} 0 failed jobs.\n`,
      stderr: '',
    });
  });

  it('without a selector: exit 2, nothing changed', async () => {
    const ids = await cli.failedJobs(1);
    const result = await cli.run(['jobs', verb]);
    expect(result).toEqual({
      code: 2,
      stdout: '',
      stderr: `shigoto: Say which failed jobs to ${verb} in one way: ids, --queue <queue> or --all-failed\n`,
    });
    expect(await statesOf(ids)).toEqual(['failed']);
  });

  it('with two selectors: exit 2, nothing changed', async () => {
    const ids = await cli.failedJobs(1);
    const result = await cli.run(['jobs', verb, ids[0]!, '--all-failed']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('(not several)');
    expect(await statesOf(ids)).toEqual(['failed']);
  });

  it('with an invalid queue name: exit 2, nothing changed', async () => {
    const ids = await cli.failedJobs(1);
    const result = await cli.run(['jobs', verb, '--queue', 'de fault']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Invalid queue name "de fault"');
    expect(await statesOf(ids)).toEqual(['failed']);
  });
});

describe('bulk retry past one page', () => {
  it('takes every failed job, a page of 1000 at a time', async () => {
    const ids = await cli.failedJobs(1005);
    expect(await cli.json(['jobs', 'retry', '--all-failed'])).toEqual({ retried: 1005 });
    const counts = await (await cli.client()).jobs.counts();
    expect(counts).toMatchObject({ failed: 0, ready: ids.length });
  });
});
