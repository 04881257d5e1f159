import { describe, expect, it } from 'vitest';
import {
  createShigoto,
  decodeEnvelope,
  defineJob,
  ENVELOPE_VERSION,
  encodeEnvelope,
  inlineBackend,
  JobNotFoundError,
  PayloadDecodeError,
} from '../../src/index.ts';

const remind = defineJob({
  name: 'Remind',
  queue: 'reminders',
  perform: (_args: { at: Date; tags: Set<string> }) => undefined,
});

async function client() {
  const shigoto = createShigoto({ backend: inlineBackend(), jobs: [remind] });
  await shigoto.migrate();
  return shigoto;
}

describe('the job envelope', () => {
  it('describes a stored job with its version, encoded arguments and ISO times', async () => {
    const shigoto = await client();
    const at = new Date('2027-01-02T03:04:05.000Z');
    const { id } = await shigoto.enqueue(
      remind,
      { at, tags: new Set(['a']) },
      { priority: 3, metadata: { locale: 'ja' } },
    );
    const envelope = await shigoto.jobs.envelope(id);
    expect(envelope).toEqual({
      v: ENVELOPE_VERSION,
      id,
      name: 'Remind',
      queue: 'reminders',
      priority: 3,
      args: { at: { $t: 'Date', v: at.toISOString() }, tags: { $t: 'Set', v: ['a'] } },
      executions: 0,
      enqueuedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/),
      metadata: { locale: 'ja' },
    });
    const back = decodeEnvelope(encodeEnvelope(envelope));
    expect(back).toEqual(envelope);
    expect(shigoto.codecs.decode(back.args)).toEqual({ at, tags: new Set(['a']) });
  });

  it('refuses other versions and missing fields with a typed error', () => {
    const good = {
      v: 1,
      id: '1',
      name: 'X',
      queue: 'q',
      priority: 0,
      args: {},
      executions: 0,
      enqueuedAt: 'now',
      metadata: {},
    };
    expect(() => decodeEnvelope(JSON.stringify({ ...good, v: 2 }))).toThrow(/Unsupported envelope version 2/);
    expect(() => decodeEnvelope(JSON.stringify({ ...good, queue: 7 }))).toThrow(/"queue" must be a string/);
    const { args: _args, ...noArgs } = good;
    expect(() => decodeEnvelope(JSON.stringify(noArgs))).toThrow(PayloadDecodeError);
    expect(() => decodeEnvelope('[1]')).toThrow(/must be a JSON object/);
    expect(() => decodeEnvelope('{nope')).toThrow(/not valid JSON/);
  });

  it('is JobNotFoundError for an unknown id', async () => {
    await expect((await client()).jobs.envelope('999')).rejects.toBeInstanceOf(JobNotFoundError);
  });
});
