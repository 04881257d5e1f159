import { describe, expect, it } from 'vitest';
import type { NewJob } from '../../src/backend/types.ts';
import { postgresDialect, postgresTables } from '../../src/backends/postgres/dialect.ts';
import type { SqlContext } from '../../src/backends/sql/context.ts';
import type { SqlDriver, SqlExecutor } from '../../src/backends/sql/driver.ts';
import { enqueueStreamed } from '../../src/backends/sql/enqueue-streamed.ts';
import { MAX_SOURCE_ROWS } from '../../src/backends/sql/values.ts';
import { newJob, T0 } from '../contract/helpers.ts';

/**
 * The order of events between the caller making rows and the statements reaching a database
 * (a fake PostgreSQL driver that answers every insert with fresh ids and can fail the first
 * transaction run with a deadlock, as PostgreSQL would).
 */
function recordingContext(options: { deadlockOnce?: boolean } = {}) {
  const events: string[] = [];
  let nextId = 1;
  let deadlock = options.deadlockOnce ?? false;
  const exec: SqlExecutor = {
    async all<T>(_sql: string, params: readonly unknown[] = []): Promise<T[]> {
      const rows = JSON.parse(String(params[1])) as unknown[];
      events.push(`statement of ${rows.length}`);
      return rows.map(() => ({ id: nextId++ })) as T[];
    },
    run: async () => 0,
  };
  const driver: SqlDriver = {
    ...exec,
    async transaction(fn) {
      events.push('begin');
      const result = await fn(exec);
      if (deadlock) {
        deadlock = false;
        events.push('rolled back');
        return this.transaction(fn);
      }
      events.push('commit');
      return result;
    },
    close: async () => {},
  };
  const tables = postgresTables('s');
  const ctx: SqlContext = { driver, d: postgresDialect(tables, 'shigoto_s'), t: tables };
  return { ctx, events };
}

/** `count` plain jobs, each logging when it is made. */
function* made(events: string[], count: number, overrides: (i: number) => Partial<NewJob> = () => ({})) {
  for (let i = 0; i < count; i++) {
    if (i % MAX_SOURCE_ROWS === 0) events.push(`made row ${i}`);
    yield newJob({ args: `[${i}]`, ...overrides(i) });
  }
}

describe('enqueueStreamed', () => {
  it('sends each chunk as soon as it is made, in one transaction', async () => {
    const { ctx, events } = recordingContext();
    const ids = await enqueueStreamed(ctx, made(events, 2500), T0, undefined);
    expect(ids).toEqual(Array.from({ length: 2500 }, (_, i) => String(i + 1)));
    expect(events).toEqual([
      'made row 0',
      'begin',
      'statement of 1000',
      'made row 1000',
      'statement of 1000',
      'made row 2000',
      'statement of 500',
      'commit',
    ]);
  });

  it('makes the rows once when the transaction runs again (deadlock)', async () => {
    const { ctx, events } = recordingContext({ deadlockOnce: true });
    const ids = await enqueueStreamed(ctx, made(events, 2100), T0, undefined);
    expect(ids).toHaveLength(2100);
    expect(events.filter((e) => e.startsWith('made'))).toEqual([
      'made row 0',
      'made row 1000',
      'made row 2000',
    ]);
    expect(events.filter((e) => e.startsWith('statement'))).toHaveLength(6); // 3 chunks, twice
    expect(events.at(-1)).toBe('commit');
  });

  it('one chunk goes as one statement, without a transaction', async () => {
    const { ctx, events } = recordingContext();
    expect(await enqueueStreamed(ctx, made(events, 10), T0, undefined)).toHaveLength(10);
    expect(events).toEqual(['made row 0', 'statement of 10']);
  });

  it('an error while making rows stores nothing: the transaction does not commit', async () => {
    const { ctx, events } = recordingContext();
    function* failing() {
      yield* made(events, 1500);
      throw new Error('bad row');
    }
    await expect(enqueueStreamed(ctx, failing(), T0, undefined)).rejects.toThrow('bad row');
    expect(events).not.toContain('commit');
  });
});
