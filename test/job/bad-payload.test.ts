import { describe, expect, it } from 'vitest';
import { defineJob, type JobContext } from '../../src/index.ts';
import { type Harness, useHarness } from '../support/shigoto-harness.ts';

const harness = useHarness();

const greet = defineJob({ name: 'greet', perform: (args: { who: string }) => `hello ${args.who}` });
const strict = defineJob({
  name: 'strict',
  schema: {
    parse(input: unknown): { count: number } {
      const count = (input as { count?: unknown } | null)?.count;
      if (typeof count !== 'number') throw new Error('count must be a number');
      return { count };
    },
  },
  perform: (args) => args.count,
});

/** Writes a row as another (older, newer or broken) producer could have, bypassing the client. */
async function insertRaw(
  h: Harness,
  row: { name: string; args: string; metadata?: string },
): Promise<string> {
  const [id] = await h.shigoto.backend.enqueue({
    jobs: [{ queue: 'default', priority: 0, metadata: '{}', runAt: null, ...row }],
    now: h.now(),
  });
  return id!;
}

describe('stored jobs the worker cannot run', () => {
  const cases: Array<[string, { name: string; args: string; metadata?: string }, string, string]> = [
    ['an unknown job name', { name: 'retired.job', args: '{"who":"x"}' }, 'UnknownJobError', 'UNKNOWN_JOB'],
    ['args that are not JSON', { name: 'greet', args: '{"who": ' }, 'PayloadDecodeError', 'PAYLOAD_DECODE'],
    [
      'an unknown codec tag',
      { name: 'greet', args: '{"$t":"Money","v":"1"}' },
      'PayloadDecodeError',
      'PAYLOAD_DECODE',
    ],
    [
      'a __proto__ key',
      { name: 'greet', args: '{"__proto__":{"who":"x"}}' },
      'PayloadDecodeError',
      'PAYLOAD_DECODE',
    ],
    [
      'args the schema refuses',
      { name: 'strict', args: '{"count":"three"}' },
      'PayloadDecodeError',
      'PAYLOAD_DECODE',
    ],
    [
      'metadata that is not an object',
      { name: 'greet', args: '{"who":"x"}', metadata: '[1]' },
      'PayloadDecodeError',
      'PAYLOAD_DECODE',
    ],
  ];

  it.each(cases)('fails the job on %s and keeps working', async (_name, row, errorName, code) => {
    const h = await harness({ jobs: [greet, strict] });
    const badId = await insertRaw(h, row);
    const good = await h.shigoto.enqueue(greet, { who: 'world' });
    await h.work({ workers: [{ queues: ['*'], threads: 1, pollingIntervalMs: 10 }] });

    const failed = await h.waitForState(badId, 'failed');
    expect(failed.lastError).toMatchObject({ name: errorName, code, execution: 1 });
    await h.waitForState(good.id, 'finished');
    expect(await h.shigoto.jobs.result(greet, good.id)).toBe('hello world');
  });

  it('names the known jobs in an unknown-job error', async () => {
    const h = await harness({ jobs: [greet, strict] });
    const id = await insertRaw(h, { name: 'renamed', args: 'null' });
    await h.work();
    const failed = await h.waitForState(id, 'failed');
    expect(failed.lastError?.message).toContain('"renamed"');
    expect(failed.lastError?.message).toContain('greet, strict');
  });
});

describe('the stored envelope', () => {
  it('gives perform the id, name, queue, priority, enqueue time and metadata', async () => {
    let seen: JobContext | undefined;
    const inspect = defineJob({
      name: 'inspect',
      queue: 'audit',
      priority: 3,
      perform: (_args: null, ctx: JobContext) => {
        seen = ctx;
      },
    });
    const h = await harness({ jobs: [inspect] });
    const before = h.now();
    const job = await h.shigoto.enqueue(inspect, null, {
      metadata: { locale: 'ja', traceId: 'abc', sampled: true },
    });
    await h.work();
    await h.waitForState(job.id, 'finished');
    expect(seen).toMatchObject({
      id: job.id,
      name: 'inspect',
      queue: 'audit',
      priority: 3,
      executions: 1,
      metadata: { locale: 'ja', traceId: 'abc', sampled: true },
    });
    expect(seen!.enqueuedAt.getTime()).toBeGreaterThanOrEqual(before);
    expect(seen!.signal.aborted).toBe(false);
  });
});
