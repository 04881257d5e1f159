import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_DEFAULTS } from '../../src/config/defaults.ts';
import { loadConfig } from '../../src/config/load.ts';
import { RUNTIME_DEFAULTS } from '../../src/runtime/defaults.ts';
import { DEFAULT_FILTER_PATTERNS } from '../../src/util/filter.ts';
import { catchConfigError, useConfigDir } from './helpers.ts';

const REPO = resolve(import.meta.dirname, '../..');
const dir = useConfigDir();
const load = dir.load;

describe('loadConfig without a file', () => {
  it('uses a named default for every option', () => {
    const config = loadConfig({ cwd: dir.path, env: {} });
    expect(config).toEqual({
      source: null,
      appPath: null,
      backend: {
        adapter: 'sqlite',
        path: join(dir.path, 'storage/shigoto.db'),
        synchronous: 'normal',
        tablePrefix: 'shigoto_',
      },
      workers: [{ queues: ['*'], threads: 10, processes: 1, pollingIntervalMs: 100, bulkReadSize: 32 }],
      dispatchers: [
        {
          pollingIntervalMs: 1000,
          batchSize: 500,
          concurrencyMaintenanceIntervalMs: 600_000,
          concurrencyMaintenance: true,
        },
      ],
      scheduler: { enabled: true, recurringScheduleFile: null },
      processHeartbeatIntervalMs: 60_000,
      processAliveThresholdMs: 300_000,
      shutdownTimeoutMs: 5000,
      preserveFinishedJobs: true,
      clearFinishedJobsAfterMs: 86_400_000,
      maxPayloadBytes: 1024 * 1024,
      maxQueueSize: null,
      queues: {},
      defaultConcurrencyControlPeriodMs: 180_000,
      pidfile: join(dir.path, 'tmp/pids/shigoto.pid'),
      jobsFile: null,
      allowJobScripts: false,
      taskExpireMs: 10_000,
      lifecycleEvents: false,
      logLevel: 'info',
      logFormat: 'text',
      filterArguments: DEFAULT_FILTER_PATTERNS,
    });
    // The documented defaults are the runtime's own, not copies that could drift.
    expect(CONFIG_DEFAULTS.worker).toBe(RUNTIME_DEFAULTS.worker);
  });

  it('reads config/shigoto.yml from the working directory when it exists', async () => {
    await dir.write('config/shigoto.yml', 'shutdown_timeout: 9\n');
    const config = loadConfig({ cwd: dir.path, env: {} });
    expect(config.source).toBe(join(dir.path, 'config/shigoto.yml'));
    expect(config.shutdownTimeoutMs).toBe(9000);
  });

  it('treats an empty file as all defaults', async () => {
    const config = await load('# nothing here yet\n');
    expect(config.source).toBe(join(dir.path, 'shigoto.yml'));
    expect(config.workers).toEqual(loadConfig({ cwd: dir.path, env: {} }).workers);
  });

  it('fails when the file named with -c does not exist', () => {
    const error = catchConfigError(() => loadConfig({ path: 'missing.yml', cwd: dir.path, env: {} }));
    expect(error.message).toContain(join(dir.path, 'missing.yml'));
    expect(error.issues).toEqual([`the file does not exist (named by -c; relative to ${dir.path})`]);
  });

  it('fails when the file named by SHIGOTO_CONFIG does not exist', () => {
    const error = catchConfigError(() => loadConfig({ cwd: dir.path, env: { SHIGOTO_CONFIG: 'nope.yml' } }));
    expect(error.issues[0]).toContain('named by SHIGOTO_CONFIG');
  });
});

describe('the example configuration', () => {
  it('loads config/shigoto.yml of the repository', () => {
    const config = loadConfig({ cwd: REPO, env: {} });
    expect(config.source).toBe(join(REPO, 'config/shigoto.yml'));
    expect(config.appPath).toBe(join(REPO, 'examples/app.ts'));
    expect(config.backend.path).toBe(join(REPO, 'storage/shigoto.db'));
    expect(config.workers).toEqual([
      {
        queues: ['critical', 'default', '*'],
        threads: 10,
        processes: 1,
        pollingIntervalMs: 100,
        bulkReadSize: 32,
      },
    ]);
    expect(config.dispatchers).toEqual([
      {
        pollingIntervalMs: 1000,
        batchSize: 500,
        concurrencyMaintenanceIntervalMs: 600_000,
        concurrencyMaintenance: true,
      },
    ]);
    expect(config.shutdownTimeoutMs).toBe(5000);
    expect(config.pidfile).toBe(join(REPO, 'tmp/pids/shigoto.pid'));
  });
});

describe('every key', () => {
  it('parses a file that sets them all', async () => {
    const config = await load(`
app: app/jobs.ts
backend:
  adapter: sqlite
  path: /var/lib/shigoto/jobs.db
  synchronous: full
  table_prefix: myapp_
workers:
  - queues: [critical, "mail*"]
    threads: 3
    processes: 2
    polling_interval: 0.5
    bulk_read_size: 8
  - queues: "*"
dispatchers:
  - polling_interval: 2s
    batch_size: 100
    concurrency_maintenance_interval: 5m
    concurrency_maintenance: false
scheduler:
  enabled: false
  recurring_schedule_file: config/schedule.yml
process_heartbeat_interval: 30
process_alive_threshold: 2m
shutdown_timeout: 0
preserve_finished_jobs: false
clear_finished_jobs_after: 1d
max_payload_bytes: 2048
max_queue_size: 100000
queues:
  mail:
    max_size: 500
  reports: {}
  ledger:
    serialized: true
    on_error: continue
default_concurrency_control_period: 10m
pidfile: run/shigoto.pid
jobs_file: config/topics.yml
allow_job_scripts: true
task_expire: 30
lifecycle_events: true
log_level: debug
log_format: json
filter_arguments: [password, "/^card_/"]
`);
    expect(config).toEqual({
      source: join(dir.path, 'shigoto.yml'),
      appPath: join(dir.path, 'app/jobs.ts'),
      backend: {
        adapter: 'sqlite',
        path: '/var/lib/shigoto/jobs.db',
        synchronous: 'full',
        tablePrefix: 'myapp_',
      },
      workers: [
        { queues: ['critical', 'mail*'], threads: 3, processes: 2, pollingIntervalMs: 500, bulkReadSize: 8 },
        { queues: ['*'], threads: 10, processes: 1, pollingIntervalMs: 100, bulkReadSize: 32 },
      ],
      dispatchers: [
        {
          pollingIntervalMs: 2000,
          batchSize: 100,
          concurrencyMaintenanceIntervalMs: 300_000,
          concurrencyMaintenance: false,
        },
      ],
      scheduler: { enabled: false, recurringScheduleFile: join(dir.path, 'config/schedule.yml') },
      processHeartbeatIntervalMs: 30_000,
      processAliveThresholdMs: 120_000,
      shutdownTimeoutMs: 0,
      preserveFinishedJobs: false,
      clearFinishedJobsAfterMs: 86_400_000,
      maxPayloadBytes: 2048,
      maxQueueSize: 100_000,
      queues: {
        mail: { maxSize: 500, serialized: false, onError: 'stop' },
        reports: { maxSize: null, serialized: false, onError: 'stop' },
        ledger: { maxSize: null, serialized: true, onError: 'continue' },
      },
      defaultConcurrencyControlPeriodMs: 600_000,
      pidfile: join(dir.path, 'run/shigoto.pid'),
      jobsFile: join(dir.path, 'config/topics.yml'),
      allowJobScripts: true,
      taskExpireMs: 30_000,
      lifecycleEvents: true,
      logLevel: 'debug',
      logFormat: 'json',
      filterArguments: ['password', '/^card_/'],
    });
  });

  it.each([
    [5, 5000],
    [0.25, 250],
    ['500ms', 500],
    ['5m', 300_000],
    ['1h30m', 5_400_000],
  ])('reads the duration %j as %d ms', async (value, ms) => {
    const config = await load(`shutdown_timeout: ${JSON.stringify(value)}\n`);
    expect(config.shutdownTimeoutMs).toBe(ms);
  });

  it('reads queues as a list or as one comma-separated string', async () => {
    const config = await load(
      'workers:\n  - queues: [a, "b*"]\n  - queues: " a, b* ,c "\n  - queues: single\n',
    );
    expect(config.workers.map((w) => w.queues)).toEqual([['a', 'b*'], ['a', 'b*', 'c'], ['single']]);
  });

  it('keeps an empty worker list (a host that runs only dispatchers)', async () => {
    const config = await load('workers: []\n');
    expect(config.workers).toEqual([]);
    expect(config.dispatchers).toHaveLength(1);
  });

  it('keeps ":memory:" and resolves relative paths from the working directory, not the file', async () => {
    await dir.write('conf/s.yml', 'app: src/app.ts\nbackend: {adapter: sqlite, path: db/x.db}\n');
    const config = loadConfig({ path: 'conf/s.yml', cwd: dir.path, env: {} });
    expect(config.appPath).toBe(join(dir.path, 'src/app.ts'));
    expect(config.backend.path).toBe(join(dir.path, 'db/x.db'));
    expect((await load('backend: {adapter: sqlite, path: ":memory:"}\n')).backend.path).toBe(':memory:');
  });

  it('turns the pidfile off with false', async () => {
    expect((await load('pidfile: false\n')).pidfile).toBeNull();
  });
});
