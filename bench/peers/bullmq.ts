/**
 * BullMQ on Redis through the shared scenarios, each instance under its own key prefix (its keys
 * deleted after). Settings: worker `concurrency` as Shigoto's threads (docs.bullmq.io, guide/
 * workers/concurrency), `addBulk` for bulk enqueue (guide/queues/adding-bulks), everything else
 * default (completed jobs kept, as Shigoto keeps finished ones).
 * Run: npm run bench -- bullmq [--jobs 100000] [--threads 10] [--redis redis://127.0.0.1:6379]
 */
import { createConnection } from 'node:net';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { argValue } from '../common.ts';
import { runSuite, scenarioOptions } from '../scenarios.ts';
import { workerSettings } from '../shigoto.ts';
import type { QueueSystem, SystemFactory } from '../system.ts';

const QUEUE = 'noop';
const redis = new URL(argValue('--redis', 'redis://127.0.0.1:6379'));
const server = { host: redis.hostname, port: Number(redis.port || 6379) };
/** A client of BullMQ's own (ESM needs a made client); workers block, so commands wait rather than fail. */
const client = (clients: Redis[]) => {
  const redis = new Redis({ ...server, maxRetriesPerRequest: null });
  clients.push(redis);
  return redis;
};
const { threads } = workerSettings();
let made = 0;

async function make(): Promise<QueueSystem> {
  const prefix = `bench-bullmq-${process.pid}-${++made}`;
  // Clients we make are ours to close: BullMQ closes only the connections it made itself.
  const clients: Redis[] = [];
  const queue = new Queue(QUEUE, { connection: client(clients), prefix });
  await queue.waitUntilReady();
  return {
    async enqueueBulk(first, count) {
      await queue.addBulk(Array.from({ length: count }, (_, i) => ({ name: QUEUE, data: { n: first + i } })));
    },
    async enqueueOne(n) {
      await queue.add(QUEUE, { n });
    },
    async startWorker(ran) {
      const worker = new Worker<{ n: number }>(QUEUE, async (job) => ran(job.data.n), {
        connection: client(clients),
        prefix,
        concurrency: threads,
      });
      await worker.waitUntilReady();
      return () => worker.close();
    },
    async unfinished() {
      const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'failed');
      return Object.values(counts).reduce((sum, n) => sum + n, 0);
    },
    async close() {
      await queue.obliterate({ force: true });
      await queue.close();
      await Promise.all(clients.map((redis) => redis.quit()));
    },
  };
}

/** The server's version and durability, from one INFO command over a plain socket. */
async function redisSettings(): Promise<string> {
  const socket = createConnection(server.port, server.host);
  socket.write('INFO\r\n');
  let text = '';
  for await (const chunk of socket) {
    text += chunk;
    if (/aof_enabled:\d/.test(text)) break;
  }
  socket.destroy();
  const field = (name: string) => new RegExp(`${name}:(\\S+)`).exec(text)?.[1] ?? '?';
  return `Redis ${field('redis_version')} (appendonly ${field('aof_enabled') === '1' ? 'yes' : 'no'})`;
}
const systems: SystemFactory = {
  name: 'BullMQ',
  settings: `BullMQ 6.7.0 on ${await redisSettings()}; concurrency ${threads}, other settings default`,
  make,
};
await runSuite(systems, scenarioOptions(false));
