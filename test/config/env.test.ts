import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { catchConfigError, useConfigDir } from './helpers.ts';

const dir = useConfigDir();

/** Loads with only `env`, from the temp dir (which has no config/shigoto.yml unless written). */
const fromEnv = (env: NodeJS.ProcessEnv) => loadConfig({ cwd: dir.path, env });

describe('environment overrides', () => {
  it('SHIGOTO_CONFIG names the file', async () => {
    await dir.write('deploy/jobs.yml', 'shutdown_timeout: 12\n');
    const config = fromEnv({ SHIGOTO_CONFIG: 'deploy/jobs.yml' });
    expect(config.source).toBe(join(dir.path, 'deploy/jobs.yml'));
    expect(config.shutdownTimeoutMs).toBe(12_000);
  });

  it('-c wins over SHIGOTO_CONFIG', async () => {
    await dir.write('a.yml', 'shutdown_timeout: 1\n');
    await dir.write('b.yml', 'shutdown_timeout: 2\n');
    const config = loadConfig({ path: 'a.yml', cwd: dir.path, env: { SHIGOTO_CONFIG: 'b.yml' } });
    expect(config.shutdownTimeoutMs).toBe(1000);
  });

  it('overrides the keys of the file, and the others stay', async () => {
    const config = await dir.load('shutdown_timeout: 30\nlog_level: warn\nworkers: [{threads: 4}]\n', {
      SHIGOTO_SHUTDOWN_TIMEOUT: '2m',
      SHIGOTO_LOG_LEVEL: 'debug',
    });
    expect(config.shutdownTimeoutMs).toBe(120_000);
    expect(config.logLevel).toBe('debug');
    expect(config.workers[0]!.threads).toBe(4);
  });

  it('reads every overridable key with the type it needs', () => {
    const config = fromEnv({
      SHIGOTO_APP: 'src/jobs/app.ts',
      SHIGOTO_PROCESS_HEARTBEAT_INTERVAL: '10',
      SHIGOTO_PROCESS_ALIVE_THRESHOLD: '1m',
      SHIGOTO_SHUTDOWN_TIMEOUT: '0.5',
      SHIGOTO_PRESERVE_FINISHED_JOBS: 'false',
      SHIGOTO_CLEAR_FINISHED_JOBS_AFTER: '2h',
      SHIGOTO_MAX_PAYLOAD_BYTES: '4096',
      SHIGOTO_PIDFILE: 'run/s.pid',
      SHIGOTO_JOBS_FILE: 'deploy/jobs.yml',
      SHIGOTO_ALLOW_JOB_SCRIPTS: 'true',
      SHIGOTO_TASK_EXPIRE: '30',
      SHIGOTO_LIFECYCLE_EVENTS: 'true',
      SHIGOTO_LOG_LEVEL: 'error',
      SHIGOTO_LOG_FORMAT: 'json',
    });
    expect(config).toMatchObject({
      source: null,
      appPath: join(dir.path, 'src/jobs/app.ts'),
      processHeartbeatIntervalMs: 10_000,
      processAliveThresholdMs: 60_000,
      shutdownTimeoutMs: 500,
      preserveFinishedJobs: false,
      clearFinishedJobsAfterMs: 7_200_000,
      maxPayloadBytes: 4096,
      pidfile: join(dir.path, 'run/s.pid'),
      jobsFile: join(dir.path, 'deploy/jobs.yml'),
      allowJobScripts: true,
      taskExpireMs: 30_000,
      lifecycleEvents: true,
      logLevel: 'error',
      logFormat: 'json',
    });
  });

  it('SHIGOTO_PIDFILE=false turns the pidfile off', () => {
    expect(fromEnv({ SHIGOTO_PIDFILE: 'false' }).pidfile).toBeNull();
  });

  it('keeps a numeric app path as text', () => {
    expect(fromEnv({ SHIGOTO_APP: '2024' }).appPath).toBe(join(dir.path, '2024'));
  });

  it('ignores empty variables', async () => {
    const config = await dir.load('log_level: warn\n', { SHIGOTO_LOG_LEVEL: '', SHIGOTO_DATABASE_URL: '' });
    expect(config.logLevel).toBe('warn');
    expect(config.backend.path).toBe(join(dir.path, 'storage/shigoto.db'));
  });
});

describe('SHIGOTO_DATABASE_URL', () => {
  it.each([
    ['sqlite:db/jobs.db', 'db/jobs.db'],
    ['sqlite://db/jobs.db', 'db/jobs.db'],
  ])('%s is a path relative to the working directory', (url, path) => {
    expect(fromEnv({ SHIGOTO_DATABASE_URL: url }).backend.path).toBe(join(dir.path, path));
  });

  it('takes absolute paths and :memory:', () => {
    expect(fromEnv({ SHIGOTO_DATABASE_URL: 'sqlite:///var/lib/jobs.db' }).backend.path).toBe(
      '/var/lib/jobs.db',
    );
    expect(fromEnv({ SHIGOTO_DATABASE_URL: 'sqlite::memory:' }).backend.path).toBe(':memory:');
  });

  it("keeps the file's other backend settings", async () => {
    const config = await dir.load(
      'backend: {adapter: sqlite, path: a.db, table_prefix: app_, synchronous: full}\n',
      {
        SHIGOTO_DATABASE_URL: 'sqlite:b.db',
      },
    );
    expect(config.backend).toEqual({
      adapter: 'sqlite',
      path: join(dir.path, 'b.db'),
      tablePrefix: 'app_',
      synchronous: 'full',
    });
  });

  it('rejects other URLs, naming the variable and what is allowed', () => {
    const error = catchConfigError(() => fromEnv({ SHIGOTO_DATABASE_URL: 'mysql://localhost/jobs' }));
    expect(error.message).toContain('Invalid configuration in SHIGOTO_DATABASE_URL');
    expect(error.issues).toEqual([
      'got "mysql://localhost/jobs"; expected sqlite:<path> (like sqlite:storage/shigoto.db or sqlite:///var/lib/app/jobs.db) or postgres://user:password@host:port/database',
    ]);
    expect(() => fromEnv({ SHIGOTO_DATABASE_URL: 'sqlite:' })).toThrow(/expected sqlite:<path>/);
  });
});

describe('invalid values from the environment', () => {
  it.each([
    [
      'SHIGOTO_SHUTDOWN_TIMEOUT',
      'soon',
      'shutdown_timeout (from SHIGOTO_SHUTDOWN_TIMEOUT): got "soon"; expected seconds',
    ],
    [
      'SHIGOTO_SHUTDOWN_TIMEOUT',
      '-5',
      'shutdown_timeout (from SHIGOTO_SHUTDOWN_TIMEOUT): got -5; expected seconds',
    ],
    [
      'SHIGOTO_LOG_LEVEL',
      'loud',
      'log_level (from SHIGOTO_LOG_LEVEL): got "loud"; expected one of "debug", "info"',
    ],
    [
      'SHIGOTO_PRESERVE_FINISHED_JOBS',
      'yes',
      'preserve_finished_jobs (from SHIGOTO_PRESERVE_FINISHED_JOBS): got "yes"; expected true or false',
    ],
    [
      'SHIGOTO_MAX_PAYLOAD_BYTES',
      '1kb',
      'max_payload_bytes (from SHIGOTO_MAX_PAYLOAD_BYTES): got "1kb"; expected a whole number >= 1',
    ],
    [
      'SHIGOTO_PIDFILE',
      'true',
      'pidfile (from SHIGOTO_PIDFILE): got true; expected a file path, or false for no pidfile',
    ],
  ])('%s=%s', (name, value, expected) => {
    const error = catchConfigError(() => fromEnv({ [name]: value }));
    expect(error.message).toContain('Invalid configuration in the environment (no configuration file)');
    expect(error.issues).toEqual([expect.stringContaining(expected)]);
  });

  it('names the variable when the file is fine and the variable is not', async () => {
    const error = await dir.loadError('log_level: info\n', { SHIGOTO_LOG_FORMAT: 'xml' });
    expect(error.issues).toEqual([
      'log_format (from SHIGOTO_LOG_FORMAT): got "xml"; expected one of "text", "json"',
    ]);
  });
});
