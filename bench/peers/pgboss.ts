/**
 * pg-boss through the shared scenarios, each instance in its own schema (dropped after).
 * Settings (pg-boss docs, docs/api/workers.md and docs/api/queues.md; the option docs in its
 * types): LISTEN/NOTIFY on (`useListenNotify`, queue `notify: true`), burst fetching while
 * batches come back full (`burstWhenBatchFull`), `batchSize` jobs per fetch, `localConcurrency`
 * workers. Run: npm run bench -- pgboss [--jobs 100000] [--backlog 1000000]
 */
import { PgBoss } from 'pg-boss';
import { argValue } from '../common.ts';
import {
  closeAdmin,
  count,
  databaseUrl,
  dropSchema,
  freshSchema,
  serverSettings,
  settleSchema,
} from '../pg.ts';
import { runSuite, scenarioOptions } from '../scenarios.ts';
import type { QueueSystem, SystemFactory } from '../system.ts';

const QUEUE = 'noop';
const WORK = {
  batchSize: Number(argValue('--batch', '100')),
  localConcurrency: Number(argValue('--local-concurrency', '8')),
  burstWhenBatchFull: true,
  pollingIntervalSeconds: 0.5,
};

async function make(): Promise<QueueSystem> {
  const schema = freshSchema('pgboss');
  const boss = new PgBoss({ connectionString: databaseUrl, schema, useListenNotify: true });
  boss.on('error', (error) => process.stderr.write(`pg-boss: ${error}\n`));
  await boss.start();
  await boss.createQueue(QUEUE, { notify: true });
  return {
    async enqueueBulk(first, n) {
      await boss.insert(
        QUEUE,
        Array.from({ length: n }, (_, i) => ({ data: { n: first + i } })),
      );
    },
    async enqueueOne(n) {
      await boss.send(QUEUE, { n });
    },
    async startWorker(ran) {
      await boss.work<{ n: number }>(QUEUE, WORK, async (jobs) => {
        for (const job of jobs) ran(job.data.n);
      });
      return () => boss.offWork(QUEUE, { wait: true });
    },
    unfinished: () => count(`SELECT count(*) FROM "${schema}".job WHERE state <> 'completed'`),
    settle: () => settleSchema(schema),
    async close() {
      await boss.stop({ graceful: true, close: true });
      await dropSchema(schema);
    },
  };
}

try {
  const systems: SystemFactory = {
    name: 'pg-boss',
    settings: `pg-boss 12.38.0 on ${await serverSettings()}; useListenNotify, queue notify, work ${JSON.stringify(WORK)}`,
    make,
  };
  await runSuite(systems, scenarioOptions());
} finally {
  await closeAdmin();
}
