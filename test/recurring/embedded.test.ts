import { afterEach, describe, expect, it } from 'vitest';
import {
  ConfigError,
  createShigoto,
  defineJob,
  inlineBackend,
  parseRecurringTasks,
  type RunningRuntime,
  type Shigoto,
} from '../../src/index.ts';
import { silentLogger } from '../../src/util/logger.ts';

const performed: string[] = [];
const ping = defineJob({
  name: 'Ping',
  perform: async (args: { from: string }) => void performed.push(args.from),
});
const commands = { maintenance: { sweep: () => void performed.push('sweep') } };

let shigoto: Shigoto;
let runtime: RunningRuntime | undefined;
afterEach(async () => {
  await runtime?.stop();
  runtime = undefined;
  performed.length = 0;
});

async function waitFor(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('work({ recurring })', () => {
  it('schedules job and command tasks in this process, and its workers run them', async () => {
    shigoto = createShigoto({ backend: inlineBackend(), jobs: [ping], logger: silentLogger });
    const recurring = parseRecurringTasks(
      {
        ping: { job: 'Ping', args: { from: 'schedule' }, schedule: 'every second' },
        sweep: { command: 'maintenance.sweep', schedule: 'every second' },
      },
      'test',
    );
    runtime = await shigoto.work({ recurring, commands });
    await waitFor(
      () =>
        performed.filter((p) => p === 'schedule').length >= 2 &&
        performed.filter((p) => p === 'sweep').length >= 2,
      'two runs of each task',
    );
    const finished = await shigoto.jobs.list({ state: 'finished' });
    expect(new Set(finished.map((job) => job.name))).toEqual(new Set(['Ping', 'shigoto.recurring_command']));
    expect(await shigoto.jobs.list({ state: 'failed' })).toEqual([]);
  });

  it('refuses tasks the app cannot run before starting anything', async () => {
    shigoto = createShigoto({ backend: inlineBackend(), jobs: [ping], logger: silentLogger });
    const recurring = parseRecurringTasks(
      {
        lost: { job: 'Pong', schedule: 'every second' },
        gone: { command: 'maintenance.mop', schedule: 'every second' },
      },
      'test',
    );
    const error = await shigoto.work({ recurring, commands }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues).toEqual([
      'lost.job: no job named "Pong"; the app\'s jobs are Ping',
      'gone.command: the app module exports no function "maintenance.mop" (export it, or an object holding it, from the module named by app:)',
    ]);
    expect(await shigoto.processes.list()).toEqual([]);
  });
});
