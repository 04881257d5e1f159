import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { createConsoleLogger, createShigoto, type Shigoto, sqliteBackend } from '../../src/index.ts';
import { loadJobsFile } from '../../src/jobs-file/load.ts';
import { useCli } from './cli-harness.ts';

const cli = useCli();
const HANDLERS = resolve(import.meta.dirname, '../fixtures/topic-jobs.ts');
const JOBS_YML = `
- name: greeter
  topics: [hello, world]
  module: ${JSON.stringify(HANDLERS)}
  export: greet
- name: bouncer
  topics: [world]
  module: ${JSON.stringify(HANDLERS)}
  export: refuse
`;

beforeEach(async () => {
  await writeFile(join(cli.dir, 'config/jobs.yml'), JOBS_YML);
});

/** Another process's worker, on the same database, with the jobs of config/jobs.yml. */
async function worker(): Promise<{ shigoto: Shigoto; stop: () => Promise<void> }> {
  const jobs = await loadJobsFile(join(cli.dir, 'config/jobs.yml'), { allowScripts: false, exports: {} });
  const shigoto = createShigoto({
    jobs,
    backend: sqliteBackend({ path: cli.dbPath }),
    logger: createConsoleLogger({ level: 'silent' }),
  });
  await shigoto.migrate();
  const runtime = await shigoto.work({ workers: [{ queues: ['*'], pollingIntervalMs: 20 }] });
  return {
    shigoto,
    stop: async () => {
      await runtime.stop();
      await shigoto.close();
    },
  };
}

describe('shigoto task', () => {
  it('publishes to every subscriber of config/jobs.yml and prints the task id', async () => {
    const result = await cli.run(['task', 'world', '{"name":"amuro"}']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const [, id] = /^Published task ([0-9a-f]{32}) to world: greeter, bouncer\n$/.exec(result.stdout) ?? [];
    expect(id).toBeDefined();
    const jobs = await (await cli.client()).jobs.list();
    expect(
      jobs.map((j) => [j.name, JSON.parse(j.args), JSON.parse(j.metadata)['shigoto.task']]).sort(),
    ).toEqual([
      ['bouncer', { name: 'amuro' }, id],
      ['greeter', { name: 'amuro' }, id],
    ]);
  });

  it('--expire takes seconds; --json prints the id, the topic and the subscribers', async () => {
    const printed = await cli.json<{ taskId: string; topic: string; subscribers: string[] }>([
      'task',
      'hello',
      '{"name":"char"}',
      '--expire',
      '30',
    ]);
    expect(printed).toEqual({
      taskId: expect.stringMatching(/^[0-9a-f]{32}$/),
      topic: 'hello',
      subscribers: ['greeter'],
    });
    const [job] = await (await cli.client()).jobs.list();
    expect(job!.expiresAt! - job!.enqueuedAt).toBe(30_000);
  });

  it('--wait prints each outcome and exits 1 when an execution did not finish', async () => {
    const running = await worker();
    try {
      const hello = await cli.run(['task', 'hello', '{"name":"amuro"}', '--wait', '--timeout', '20']);
      expect(hello.code).toBe(0);
      expect(hello.stdout).toMatch(/^Task [0-9a-f]{32} on hello completed at \S+Z\n/);
      expect(hello.stdout).toMatch(/greeter\s+1\s+finished\s+\S+\s+"Hello, amuro"/);
      const world = await cli.run(['task', 'world', '{"name":"amuro"}', '--wait', '--json']);
      expect(world.code).toBe(1);
      const outcome = JSON.parse(world.stdout);
      expect(outcome.executions.map((e: { name: string; status: string }) => [e.name, e.status])).toEqual([
        ['greeter', 'finished'],
        ['bouncer', 'failed'],
      ]);
      expect(outcome.executions[0].result).toBe('Bye, amuro');
      expect(outcome.executions[1].error.message).toBe('no entry for amuro');
    } finally {
      await running.stop();
    }
  });

  it('--wait gives up after --timeout with exit code 7, the task left running', async () => {
    const result = await cli.run(['task', 'hello', '{}', '--wait', '--timeout', '0.3']);
    expect(result.code).toBe(7);
    expect(result.stderr).toMatch(/^shigoto: Task [0-9a-f]{32} did not end within 300 ms; it goes on/);
    expect((await (await cli.client()).jobs.list()).map((j) => j.state)).toEqual(['ready']);
  });

  it('refuses a topic without subscribers, bad JSON and a bad topic with exit code 2, storing nothing', async () => {
    const none = await cli.run(['task', 'goodbye', '{}']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain(
      'No job subscribes to topic "goodbye"; nothing was published. Topics with subscribers: hello, world.',
    );
    expect((await cli.run(['task', 'hello', '{oops'])).code).toBe(2);
    expect((await cli.run(['task', 'no spaces'])).code).toBe(2);
    expect((await cli.run(['task', 'hello', '{}', '--expire', 'soon'])).code).toBe(2);
    expect((await cli.run(['task', 'hello', '{}', '--timeout', '5'])).code).toBe(2);
    expect(await cli.jobCount()).toBe(0);
  });

  it('-j names another job definitions file; a mistake in it is a configuration error (exit 4)', async () => {
    await writeFile(
      join(cli.dir, 'other.yml'),
      `- name: other\n  topics: [elsewhere]\n  module: ${JSON.stringify(HANDLERS)}\n  export: greet\n`,
    );
    const other = await cli.run(['task', 'elsewhere', '{"name":"x"}', '-j', 'other.yml']);
    expect(other.stdout).toMatch(/^Published task [0-9a-f]{32} to elsewhere: other\n$/);
    await writeFile(
      join(cli.dir, 'config/jobs.yml'),
      '- name: broken\n  topics: [hello]\n  script: "return 1"\n',
    );
    const broken = await cli.run(['task', 'hello', '{}']);
    expect(broken.code).toBe(4);
    expect(broken.stderr).toContain(`Invalid configuration in ${join(cli.dir, 'config/jobs.yml')}`);
    expect(broken.stderr).toContain('broken (entry 1).script: inline scripts are off');
  });
});
