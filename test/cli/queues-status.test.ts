import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { greet } from '../fixtures/cli-app.ts';
import { useCli } from './cli-harness.ts';

const cli = useCli();

describe('shigoto queues', () => {
  it('list: a table with depth, state and latency', async () => {
    const client = await cli.client();
    await client.enqueue(greet, { name: 'a' });
    await client.enqueue(greet, { name: 'b' }, { wait: '1h' });
    await cli.failedJobs(1);
    const { code, stdout } = await cli.run(['queues', 'list']);
    expect(code).toBe(0);
    expect(
      stdout
        .trimEnd()
        .split('\n')
        .map((l) => l.split(/\s+/)),
    ).toEqual([
      ['QUEUE', 'STATE', 'READY', 'SCHEDULED', 'BLOCKED', 'RUNNING', 'FAILED', 'ERRORED', 'LATENCY'],
      ['default', 'active', '0', '0', '0', '0', '1', '0', '-'],
      ['greetings', 'active', '1', '1', '0', '0', '0', '0', expect.stringMatching(/^\d+s$/)],
    ]);
  });

  it('list --json, with the oldest ready time as ISO text', async () => {
    await (await cli.client()).enqueue(greet, { name: 'a' });
    const queues = await cli.json<Record<string, unknown>[]>(['queues', 'list']);
    expect(queues).toEqual([
      {
        name: 'greetings',
        paused: false,
        ready: 1,
        scheduled: 0,
        blocked: 0,
        claimed: 0,
        failed: 0,
        errored: 0,
        stopped: false,
        oldestReadyAt: expect.stringMatching(/^\d{4}-.+Z$/),
      },
    ]);
  });

  it('list says how to start when there are no queues', async () => {
    expect(await cli.run(['queues', 'list'])).toEqual({
      code: 0,
      stdout: 'No queues yet: enqueue a job first.\n',
      stderr: '',
    });
  });

  it('pause and resume', async () => {
    await (await cli.client()).enqueue(greet, { name: 'a' });
    expect(await cli.run(['queues', 'pause', 'greetings'])).toEqual({
      code: 0,
      stdout: 'Queue greetings paused.\n',
      stderr: '',
    });
    expect((await (await cli.client()).queues.list())[0]).toMatchObject({ name: 'greetings', paused: true });
    expect(await cli.json(['queues', 'resume', 'greetings'])).toEqual({ queue: 'greetings', paused: false });
    expect((await (await cli.client()).queues.list())[0]).toMatchObject({ paused: false });
  });

  it('pausing a queue that has no jobs yet holds its future jobs', async () => {
    expect((await cli.run(['queues', 'pause', 'later'])).code).toBe(0);
    expect(await (await cli.client()).queues.list()).toMatchObject([
      { name: 'later', paused: true, ready: 0 },
    ]);
  });

  it.each(['pause', 'resume'])('%s with an invalid queue name: exit 2, nothing written', async (verb) => {
    const result = await cli.run(['queues', verb, 'bad name']);
    expect(result).toEqual({
      code: 2,
      stdout: '',
      stderr: 'shigoto: Invalid queue name "bad name": use 1-128 characters from A-Z a-z 0-9 _ . : -\n',
    });
    expect(existsSync(cli.dbPath)).toBe(false);
  });

  it('pause without a name: exit 2', async () => {
    const result = await cli.run(['queues', 'pause']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("error: missing required argument 'queue'");
  });
});

describe('shigoto migrate', () => {
  it('creates the database', async () => {
    const result = await cli.run(['migrate']);
    expect(result).toEqual({ code: 0, stdout: `Migrated sqlite at ${cli.dbPath}.\n`, stderr: '' });
    expect(existsSync(cli.dbPath)).toBe(true);
    expect(await cli.jobCount()).toBe(0);
  });

  it('is safe to run again, and prints JSON', async () => {
    expect((await cli.run(['migrate'])).code).toBe(0);
    expect(await cli.json(['migrate'])).toEqual({
      migrated: true,
      backend: { adapter: 'sqlite', path: cli.dbPath, synchronous: 'normal', tablePrefix: 'shigoto_' },
    });
  });
});

describe('shigoto status', () => {
  it('shows processes, queues and job counts', async () => {
    const client = await cli.client();
    await client.enqueue(greet, { name: 'a' });
    const { code, stdout } = await cli.run(['status']);
    expect(code).toBe(0);
    expect(stdout).toContain(`Backend: sqlite ${cli.dbPath}\n`);
    expect(stdout).toContain('Processes:\n(no live processes: is `shigoto start` running?)\n');
    expect(stdout).toMatch(/Queues:\nQUEUE\s+STATE\s+READY\s+LATENCY\ngreetings\s+active\s+1\s+\d+s\n/);
    expect(stdout).toContain(
      'Jobs: scheduled 0, ready 1, blocked 0, claimed 0, finished 0, failed 0, discarded 0, expired 0, errored 0\n',
    );
  });

  it('lists a live process, and --json has the same facts', async () => {
    const client = await cli.client();
    const runtime = await client.work({ workers: [{ queues: ['greetings'], pollingIntervalMs: 50 }] });
    try {
      const human = await cli.run(['status']);
      expect(human.stdout).toMatch(/KIND\s+NAME\s+PID\s+HOST\s+HEARTBEAT\s+DETAILS\nembedded\s/);
      const status = await cli.json<{
        processes: { kind: string; pid: number; lastHeartbeatAt: string; metadata: unknown }[];
        counts: Record<string, number>;
        queues: unknown[];
      }>(['status']);
      expect(status.processes).toHaveLength(1);
      expect(status.processes[0]).toMatchObject({ kind: 'embedded', pid: process.pid });
      expect(status.processes[0]!.lastHeartbeatAt).toMatch(/Z$/);
      expect(typeof status.processes[0]!.metadata).toBe('object');
      expect(status.counts).toEqual({
        scheduled: 0,
        ready: 0,
        blocked: 0,
        claimed: 0,
        finished: 0,
        failed: 0,
        discarded: 0,
        expired: 0,
        errored: 0,
      });
      expect(status.queues).toEqual([]);
    } finally {
      await runtime.stop();
    }
  });
});
