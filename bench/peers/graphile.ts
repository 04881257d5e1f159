/**
 * graphile-worker through the shared scenarios, each instance in its own schema (dropped after).
 * Settings: concurrency 10, pool of 11 and the batching of its performance guide
 * (https://worker.graphile.org/docs/performance: localQueue size 500, completeJobBatchDelay 0,
 * failJobBatchDelay 0). Run: npm run bench -- graphile [--jobs 100000] [--backlog 1000000]
 */
import { Logger, makeWorkerUtils, run, type WorkerUtils } from 'graphile-worker';
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

const CONCURRENCY = 10;
const BATCHING = { localQueue: { size: 500 }, completeJobBatchDelay: 0, failJobBatchDelay: 0 };
const silent = new Logger(() => () => {});

async function make(): Promise<QueueSystem> {
  const schema = freshSchema('graphile');
  const shared = { connectionString: databaseUrl, schema, logger: silent };
  const utils: WorkerUtils = await makeWorkerUtils(shared);
  await utils.migrate();
  const jobs = (first: number, count: number) =>
    Array.from({ length: count }, (_, i) => ({ identifier: 'noop', payload: { n: first + i } }));
  return {
    async enqueueBulk(first, count) {
      await utils.addJobs(jobs(first, count));
    },
    async enqueueOne(n) {
      await utils.addJob('noop', { n });
    },
    async startWorker(ran) {
      const runner = await run({
        ...shared,
        concurrency: CONCURRENCY,
        maxPoolSize: CONCURRENCY + 1,
        noHandleSignals: true,
        taskList: { noop: async (payload) => ran((payload as { n: number }).n) },
        preset: { worker: BATCHING },
      });
      return () => runner.stop();
    },
    async unfinished() {
      // Completed jobs are deleted; what is left is waiting, running or failed.
      return count(`SELECT count(*) FROM "${schema}"._private_jobs`);
    },
    settle: () => settleSchema(schema),
    async close() {
      await utils.release();
      await dropSchema(schema);
    },
  };
}

try {
  const systems: SystemFactory = {
    name: 'graphile-worker',
    settings: `graphile-worker 0.18.0 on ${await serverSettings()}; concurrency ${CONCURRENCY}, maxPoolSize ${CONCURRENCY + 1}, ${JSON.stringify(BATCHING)}`,
    make,
  };
  await runSuite(systems, scenarioOptions());
} finally {
  await closeAdmin();
}
