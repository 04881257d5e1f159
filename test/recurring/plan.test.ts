import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { JobRegistry } from '../../src/client/registry.ts';
import { ConfigError, InvalidInputError } from '../../src/errors.ts';
import { CodecRegistry } from '../../src/job/codec.ts';
import { defineJob, type JobContext } from '../../src/job/define.ts';
import { COMMAND_JOB, commandJob, resolveCommand } from '../../src/recurring/command.ts';
import { type PlanDeps, planRecurring } from '../../src/recurring/plan.ts';
import { parseRecurringTasks } from '../../src/recurring/tasks.ts';
import { silentLogger } from '../../src/util/logger.ts';

const digest = defineJob({
  name: 'Digest',
  schema: z.object({ audience: z.enum(['daily', 'weekly']) }),
  queue: (args: { audience: string }) => `mail-${args.audience}`,
  priority: 3,
  perform: async () => {},
});

const raw = defineJob({ name: 'Raw', perform: async (_: unknown) => {} });

const calls: string[] = [];
const exports = {
  clearAll: () => void calls.push('clearAll'),
  maintenance: {
    name: 'maintenance',
    vacuum(this: { name: string }) {
      calls.push(`vacuum on ${this.name}`);
    },
  },
  notAFunction: 42,
};

const deps = (overrides: Partial<PlanDeps> = {}): PlanDeps => ({
  registry: new JobRegistry([digest, raw]),
  codecs: new CodecRegistry(),
  maxPayloadBytes: 200,
  exports,
  ...overrides,
});

function problemsOf(raw: Record<string, unknown>, planDeps = deps()): readonly string[] {
  try {
    planRecurring(parseRecurringTasks(raw, 'recurring.yml'), planDeps, 'recurring.yml');
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    expect(error.message).toContain('Invalid configuration in recurring.yml:');
    return error.issues;
  }
  throw new Error('the tasks were accepted');
}

const ctx = { signal: new AbortController().signal, logger: silentLogger } as JobContext;

describe('planRecurring', () => {
  it("builds a job task's run through the job's schema, queue function and priority", () => {
    const plan = planRecurring(
      parseRecurringTasks(
        { weekly: { job: 'Digest', args: { audience: 'weekly' }, schedule: '@weekly' } },
        't',
      ),
      deps(),
      't',
    );
    const runAt = Date.UTC(2030, 0, 6);
    expect(plan.buildJob(plan.tasks[0]!, runAt)).toEqual({
      name: 'Digest',
      queue: 'mail-weekly',
      priority: 3,
      args: '{"audience":"weekly"}',
      metadata: JSON.stringify({ recurringTask: 'weekly', recurringRunAt: '2030-01-06T00:00:00.000Z' }),
      runAt: null,
    });
  });

  it('puts a run enqueued to a serialized queue in its line', () => {
    const plan = planRecurring(
      parseRecurringTasks(
        { weekly: { job: 'Digest', args: { audience: 'weekly' }, schedule: '@weekly' } },
        't',
      ),
      deps({ serialQueues: new Map([['mail-weekly', 'continue']]) }),
      't',
    );
    expect(plan.buildJob(plan.tasks[0]!, 0).serial).toEqual({ key: 'mail-weekly', onError: 'continue' });
  });

  it('builds a command task as the command job, on the default queue unless the task names one', () => {
    const plan = planRecurring(
      parseRecurringTasks(
        {
          clear: { command: 'clearAll', schedule: 'every hour' },
          vacuum: { command: 'maintenance.vacuum', schedule: 'every day', queue: 'ops', priority: 9 },
        },
        't',
      ),
      deps(),
      't',
    );
    const [clear, vacuum] = plan.tasks.map((task) => plan.buildJob(task, 0));
    expect(clear).toMatchObject({
      name: COMMAND_JOB,
      queue: 'default',
      priority: 0,
      args: '{"command":"clearAll"}',
    });
    expect(vacuum).toMatchObject({ name: COMMAND_JOB, queue: 'ops', priority: 9 });
  });

  it('names every task whose job or command the app lacks, or whose run cannot be built', () => {
    expect(
      problemsOf({
        fine: { job: 'Digest', args: { audience: 'daily' }, schedule: '@daily' },
        typo: { job: 'Digset', schedule: '@daily' },
        gone: { command: 'maintenance.missing', schedule: '@daily' },
        number: { command: 'notAFunction', schedule: '@daily' },
        inherited: { command: 'clearAll.call', schedule: '@daily' },
        badArgs: { job: 'Digest', args: { audience: 'monthly' }, schedule: '@daily' },
        huge: { job: 'Raw', args: { pad: 'x'.repeat(300) }, schedule: '@daily' },
      }),
    ).toEqual([
      `typo.job: no job named "Digset"; the app's jobs are Digest, Raw`,
      'gone.command: the app module exports no function "maintenance.missing" (export it, or an object holding it, from the module named by app:)',
      'number.command: the app module exports no function "notAFunction" (export it, or an object holding it, from the module named by app:)',
      'inherited.command: the app module exports no function "clearAll.call" (export it, or an object holding it, from the module named by app:)',
      expect.stringMatching(/^badArgs: a run cannot be enqueued: Arguments for job "Digest" are invalid: /),
      expect.stringMatching(
        /^huge: a run cannot be enqueued: Job payload is \d+ bytes, over the limit of 200 bytes/,
      ),
    ]);
  });

  it('says when the app has no jobs at all', () => {
    expect(
      problemsOf({ t: { job: 'Digest', schedule: '@daily' } }, deps({ registry: new JobRegistry() })),
    ).toEqual(['t.job: no job named "Digest"; the app defines no jobs']);
  });
});

describe('commands', () => {
  it('resolve only through own exported properties', () => {
    expect(resolveCommand(exports, 'clearAll')?.fn).toBe(exports.clearAll);
    expect(resolveCommand(exports, 'maintenance.vacuum')?.owner).toBe(exports.maintenance);
    for (const name of [
      'toString',
      'hasOwnProperty',
      'maintenance.name',
      'clearAll.bind',
      'constructor',
      '',
    ]) {
      expect(resolveCommand(exports, name), name).toBeNull();
    }
  });

  it('run as a job that calls the function, with its object as this for a dotted name', async () => {
    calls.length = 0;
    const job = commandJob(exports);
    await job.perform({ command: 'clearAll' }, ctx);
    await job.perform({ command: 'maintenance.vacuum' }, ctx);
    expect(calls).toEqual(['clearAll', 'vacuum on maintenance']);
  });

  it('fail the job when the function is gone, and refuse arguments that are not a command name', async () => {
    const job = commandJob(exports);
    await expect(job.perform({ command: 'missing' }, ctx)).rejects.toThrow(
      new InvalidInputError('The app module exports no function "missing" (the command of a recurring task)'),
    );
    expect(() => job.schema!.parse({ command: '__proto__.x' })).toThrow(InvalidInputError);
    expect(() => job.schema!.parse({ command: 'process.exit()' })).toThrow(InvalidInputError);
    expect(job.schema!.parse({ command: 'maintenance.vacuum' })).toEqual({ command: 'maintenance.vacuum' });
  });
});
