import { describe, expect, it } from 'vitest';
import { GrowthAnalyzer } from '../../src/backends/postgres/growth-analyzer.ts';
import type { SqlExecutor } from '../../src/backends/sql/driver.ts';

/** An executor that records statements and answers SHOW autovacuum and the reltuples lookup. */
function fakeServer(autovacuum: 'on' | 'off', rows: () => number) {
  const statements: string[] = [];
  const exec: SqlExecutor = {
    async all<T>(sql: string): Promise<T[]> {
      statements.push(sql);
      if (sql === 'SHOW autovacuum') return [{ autovacuum }] as T[];
      return [{ rows: rows() }] as T[];
    },
    async run(sql: string): Promise<number> {
      statements.push(sql);
      return 0;
    },
  };
  return { exec, statements };
}

const analyzes = (statements: readonly string[]) => statements.filter((s) => s.startsWith('ANALYZE'));

describe('GrowthAnalyzer', () => {
  it('analyzes the tables once a thousand jobs were stored, then after each tenth more than they held', async () => {
    let rows = 0;
    const server = fakeServer('off', () => rows);
    const analyzer = new GrowthAnalyzer(server.exec, ['s.jobs', 's.ready'], 0);
    analyzer.stored(999);
    await analyzer.idle();
    expect(analyzes(server.statements)).toEqual([]);
    rows = 50_000;
    analyzer.stored(1);
    await analyzer.idle();
    expect(analyzes(server.statements)).toEqual(['ANALYZE s.jobs, s.ready']);
    analyzer.stored(4_999); // a tenth of 50 000 is 5 000
    await analyzer.idle();
    expect(analyzes(server.statements)).toHaveLength(1);
    analyzer.stored(1);
    await analyzer.idle();
    expect(analyzes(server.statements)).toHaveLength(2);
  });

  it('asks once whether autovacuum is on, and then never analyzes', async () => {
    const server = fakeServer('on', () => 0);
    const analyzer = new GrowthAnalyzer(server.exec, ['s.jobs'], 0);
    for (let i = 0; i < 5; i++) {
      analyzer.stored(10_000);
      await analyzer.idle();
    }
    expect(server.statements).toEqual(['SHOW autovacuum']);
  });

  it('starts no second ANALYZE while one runs, and a failed one is tried again on the next growth', async () => {
    let fail = true;
    let release: () => void = () => {};
    const statements: string[] = [];
    const exec: SqlExecutor = {
      all: async <T>(sql: string) => {
        statements.push(sql);
        return (sql === 'SHOW autovacuum' ? [{ autovacuum: 'off' }] : [{ rows: 0 }]) as T[];
      },
      run: async (sql: string) => {
        statements.push(sql);
        await new Promise<void>((resolve) => (release = resolve));
        if (fail) throw new Error('permission denied');
        return 0;
      },
    };
    const analyzer = new GrowthAnalyzer(exec, ['s.jobs'], 0);
    analyzer.stored(1_000);
    await new Promise((r) => setImmediate(r));
    analyzer.stored(5_000);
    release();
    await analyzer.idle();
    expect(analyzes(statements)).toHaveLength(1);
    fail = false;
    analyzer.stored(1_000);
    await new Promise((r) => setImmediate(r));
    release();
    await analyzer.idle();
    expect(analyzes(statements)).toHaveLength(2);
  });

  it('looks again no sooner than the least interval, then at once for the growth seen meanwhile', async () => {
    const server = fakeServer('off', () => 0);
    const analyzer = new GrowthAnalyzer(server.exec, ['s.jobs'], 150);
    analyzer.stored(1_000);
    await new Promise((r) => setTimeout(r, 20));
    analyzer.stored(1_000);
    analyzer.stored(1_000);
    await new Promise((r) => setTimeout(r, 50));
    expect(analyzes(server.statements)).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 200));
    expect(analyzes(server.statements)).toHaveLength(2);
    await analyzer.close();
  });

  it('starts no ANALYZE once closed', async () => {
    const server = fakeServer('off', () => 0);
    const analyzer = new GrowthAnalyzer(server.exec, ['s.jobs'], 100);
    analyzer.stored(1_000);
    await new Promise((r) => setTimeout(r, 10));
    analyzer.stored(1_000); // due in 100 ms
    await analyzer.close();
    await new Promise((r) => setTimeout(r, 150));
    expect(analyzes(server.statements)).toHaveLength(1);
  });
});
