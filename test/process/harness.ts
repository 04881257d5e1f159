import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import {
  type Backend,
  createConsoleLogger,
  createShigoto,
  type JobState,
  type ProcessInfo,
  postgresBackend,
  type Shigoto,
  sqliteBackend,
} from 'shigoto';
import { afterAll, afterEach, describe, expect } from 'vitest';
import { stringify } from 'yaml';
import { MAX_PAGE } from '../../src/backend/types.ts';
import { INSTANCE_ENV, LEDGER_ENV, MAX_MS_ENV, spin, work } from '../fixtures/process-app.ts';
import {
  adminPool,
  closeAdminPool,
  dropSchema,
  TEST_DATABASE_URL,
  uniqueSchema,
} from '../support/postgres.ts';
import { POSTGRES, serviceAvailable } from '../support/services.ts';
import { type CheckReport, check, type Ledger, readLedger, summarize } from './checker.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(ROOT, 'src/cli/main.ts');
const APP = join(ROOT, 'test/fixtures/process-app.ts');
/** Node's compile cache for the services' source, kept between runs (it halves their start-up). */
const COMPILE_CACHE = join(ROOT, 'node_modules/.cache/shigoto-process-tests');
const LOG_TAIL_LINES = 40;
export const DEFAULT_WAIT_MS = 20_000;
/**
 * Options for the describe blocks: longer than any chain of waits, so that a stuck test fails
 * in a wait (whose message has the ledger counts and the logs), not by vitest's timeout.
 */
export const PROCESS_TEST = { timeout: 120_000 };

export type BackendKind = 'sqlite' | 'postgres';

/** A serialized queue of the test client: jobs enqueued to it run one at a time, in order. */
export const SERIAL_QUEUE = 'serial';

/**
 * The backends every process test runs against: SHIGOTO_BACKENDS, a comma list (default
 * "sqlite"; CI runs "sqlite,postgres"). Each test gets its own SQLite file or schema.
 */
export const PROCESS_BACKENDS: readonly BackendKind[] = parseBackends(
  process.env.SHIGOTO_BACKENDS ?? 'sqlite',
);

function parseBackends(list: string): BackendKind[] {
  const kinds = [
    ...new Set(
      list
        .split(',')
        .map((b) => b.trim())
        .filter(Boolean),
    ),
  ];
  const unknown = kinds.filter((b) => b !== 'sqlite' && b !== 'postgres');
  if (unknown.length > 0 || kinds.length === 0) {
    throw new Error(`SHIGOTO_BACKENDS=${JSON.stringify(list)}: expected a comma list of sqlite, postgres`);
  }
  return kinds as BackendKind[];
}

let postgresUp: Promise<boolean> | undefined;

/** Whether the backend's server is there (SQLite always is); under SHIGOTO_REQUIRE_SERVICES=1 a missing one fails. */
function backendAvailable(backend: BackendKind): Promise<boolean> {
  if (backend === 'sqlite') return Promise.resolve(true);
  postgresUp ??= serviceAvailable(POSTGRES);
  return postgresUp;
}

/**
 * One describe per backend (`backends`, default PROCESS_BACKENDS), titled with the backend,
 * whose tests make harnesses on it with `harness()`.
 */
export async function describeProcess(
  title: string,
  body: (harness: () => ServiceHarness, backend: BackendKind) => void,
  backends: readonly BackendKind[] = PROCESS_BACKENDS,
): Promise<void> {
  for (const backend of backends) {
    const available = await backendAvailable(backend);
    describe.skipIf(!available)(`${title} [${backend}]`, PROCESS_TEST, () => {
      if (backend === 'postgres') afterAll(closeAdminPool);
      body(useServiceHarness(backend), backend);
    });
  }
}

/** A running (or exited) `shigoto start`, with everything it printed. */
export interface Service {
  /** Tag of this start in the ledger (SHIGOTO_TEST_INSTANCE). */
  readonly name: string;
  readonly pid: number;
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly exited: boolean;
  output(): string;
  /** Signals the supervisor alone. */
  signal(signal: NodeJS.Signals): void;
  /** Signals its whole process group, as Ctrl-C in a terminal does. */
  signalGroup(signal: NodeJS.Signals): void;
}

type RawConfig = Record<string, unknown>;

/**
 * One temp directory with a ledger and configs, a queue (a SQLite file there, or a PostgreSQL
 * schema of its own), and the services started on them.
 */
export class ServiceHarness {
  readonly backend: BackendKind;
  readonly dir = mkdtempSync(join(tmpdir(), 'shigoto-process-'));
  readonly dbPath = join(this.dir, 'queue.db');
  /** The PostgreSQL schema (dropped by cleanup). */
  readonly schema = uniqueSchema();
  readonly ledgerPath = join(this.dir, 'ledger.jsonl');
  /** A client on the same queue, for enqueueing and reading states from the test. */
  readonly client: Shigoto;
  readonly #services: Service[] = [];
  readonly #configs = new Map<string, RawConfig>();
  /** pid → a time by which that process was dead (ends its open runs for the checker). */
  readonly deaths = new Map<number, number>();

  constructor(backend: BackendKind = 'sqlite') {
    this.backend = backend;
    const queue: Backend =
      backend === 'sqlite'
        ? sqliteBackend({ path: this.dbPath })
        : postgresBackend({ connectionString: TEST_DATABASE_URL, schema: this.schema, poolSize: 4 });
    this.client = createShigoto({
      backend: queue,
      jobs: [work, spin],
      logger: createConsoleLogger({ level: 'silent' }),
      queues: { [SERIAL_QUEUE]: { serialized: true } },
    });
  }

  /** The `backend` section of the services' config. */
  backendConfig(): RawConfig {
    return this.backend === 'sqlite'
      ? { adapter: 'sqlite', path: this.dbPath }
      : { adapter: 'postgres', url: TEST_DATABASE_URL, schema: this.schema, pool_size: 4 };
  }

  /** Hides the ready table (every claim then fails) until the returned function puts it back. */
  async hideReadyTable(): Promise<() => Promise<void>> {
    if (this.backend === 'postgres') {
      const ready = `"${this.schema}".ready`;
      await adminPool().query(`ALTER TABLE ${ready} RENAME TO ready_hidden`);
      return async () =>
        void (await adminPool().query(`ALTER TABLE "${this.schema}".ready_hidden RENAME TO ready`));
    }
    const db = new Database(this.dbPath);
    db.exec('ALTER TABLE shigoto_ready RENAME TO shigoto_ready_hidden');
    return async () => {
      db.exec('ALTER TABLE shigoto_ready_hidden RENAME TO shigoto_ready');
      db.close();
    };
  }

  /** What the database says when a claim cannot find the ready table. */
  get missingTableError(): RegExp {
    return this.backend === 'sqlite' ? /no such table/ : /relation .* does not exist/;
  }

  /** Short intervals so that a test takes seconds; `overrides` replace top-level keys. */
  writeConfig(overrides: RawConfig = {}, name = 'shigoto'): string {
    const config: RawConfig = {
      app: APP,
      backend: this.backendConfig(),
      workers: [{ queues: ['*'], threads: 5, processes: 1, polling_interval: 0.02, bulk_read_size: 5 }],
      dispatchers: [{ polling_interval: 0.1 }],
      process_heartbeat_interval: 0.2,
      process_alive_threshold: 1,
      shutdown_timeout: 2,
      pidfile: join(this.dir, `${name}.pid`),
      ...overrides,
    };
    const path = join(this.dir, `${name}.yml`);
    writeFileSync(path, stringify(config));
    this.#configs.set(path, config);
    return path;
  }

  /** The pidfile a config written by writeConfig names. */
  pidfile(configPath: string): string {
    return this.#configs.get(configPath)!.pidfile as string;
  }

  /** Spawns `shigoto start -c <config>` in its own process group, capturing its output. */
  start(configPath = this.writeConfig(), extraEnv: NodeJS.ProcessEnv = {}): Service {
    const name = `s${this.#services.length + 1}`;
    const env: NodeJS.ProcessEnv = Object.fromEntries(
      Object.entries(process.env).filter(([key]) => !key.startsWith('SHIGOTO_')),
    );
    // The service runs in the test's directory: the repository's own config/ (the example app's
    // recurring tasks) must not be picked up as defaults.
    const child = spawn(process.execPath, ['--conditions=shigoto-source', CLI, 'start', '-c', configPath], {
      cwd: this.dir,
      env: {
        NODE_COMPILE_CACHE: COMPILE_CACHE,
        ...env,
        ...extraEnv,
        [LEDGER_ENV]: this.ledgerPath,
        [INSTANCE_ENV]: name,
      },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const chunks: string[] = [];
    child.stdout?.on('data', (data: Buffer) => chunks.push(data.toString()));
    child.stderr?.on('data', (data: Buffer) => chunks.push(data.toString()));
    let exited = false;
    const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      child.once('exit', (code, signal) => {
        exited = true;
        resolve({ code, signal });
      });
    });
    const pid = child.pid!;
    const service = {
      name,
      pid,
      exit,
      get exited() {
        return exited;
      },
      output: () => chunks.join(''),
      signal: (signal: NodeJS.Signals) => process.kill(pid, signal),
      signalGroup: (signal: NodeJS.Signals) => process.kill(-pid, signal),
    };
    this.#services.push(service);
    return service;
  }

  /** Starts a service and waits until its supervisor and every child are registered and working. */
  async startReady(configPath = this.writeConfig(), extraEnv: NodeJS.ProcessEnv = {}): Promise<Service> {
    const service = this.start(configPath, extraEnv);
    await this.waitForReady(service, configPath);
    return service;
  }

  async waitForReady(service: Service, configPath: string): Promise<void> {
    const config = this.#configs.get(configPath)!;
    const workers = config.workers as Array<{ processes?: number }>;
    const workerProcesses = workers.reduce((sum, w) => sum + (w.processes ?? 1), 0);
    const children = workerProcesses + (config.dispatchers as unknown[]).length;
    await this.waitFor(async () => {
      if (service.exited) throw new Error(`${service.name} exited while starting:\n${service.output()}`);
      const started = this.ledger().entries.filter(
        (e) => e.type === 'hook' && e.hook === 'onWorkerStart' && e.instance === service.name,
      );
      return started.length >= workerProcesses && (await this.childrenOf(service)).length === children;
    }, `${service.name} to be ready`);
  }

  /** The registered children of a service's supervisor. */
  async childrenOf(service: Service, kind?: ProcessInfo['kind']): Promise<ProcessInfo[]> {
    const all = await this.client.backend.listProcesses();
    const supervisor = all.find((p) => p.kind === 'supervisor' && p.pid === service.pid);
    if (!supervisor) return [];
    return all.filter((p) => p.supervisorId === supervisor.id && (kind === undefined || p.kind === kind));
  }

  /** SIGKILLs a pid and remembers when, so the checker can end that process's open runs. */
  kill9(pid: number): void {
    this.deaths.set(pid, Date.now());
    process.kill(pid, 'SIGKILL');
  }

  /** SIGKILLs a service's whole process group (a host lost), noting `pids` (its members) as dead. */
  kill9Group(service: Service, pids: readonly number[]): void {
    const at = Date.now();
    for (const pid of pids) this.deaths.set(pid, at);
    service.signalGroup('SIGKILL');
  }

  /** Notes that a process (killed by someone else) is dead by now. */
  noteDead(pid: number): void {
    expect(isRunning(pid), `${pid} should be dead\n${this.describe()}`).toBe(false);
    this.deaths.set(pid, Date.now());
  }

  /** Enqueues `count` Work jobs (or Spin jobs) of `ms` each; returns their ids. */
  async enqueueWork(count: number, ms: number | ((i: number) => number), job = work): Promise<string[]> {
    await this.client.migrate();
    const duration = typeof ms === 'number' ? () => ms : ms;
    const jobs = await this.client.enqueueMany(
      Array.from({ length: count }, (_, i) => ({ job, args: { ms: duration(i) } })),
    );
    return jobs.map((j) => j.id);
  }

  ledger(): Ledger {
    return readLedger(this.ledgerPath);
  }

  /** Ledger lines of one hook, in order. */
  hooks(hook: string): Array<{ pid: number; instance: string; detail?: string }> {
    return this.ledger().entries.flatMap((e) => (e.type === 'hook' && e.hook === hook ? [e] : []));
  }

  async states(): Promise<Map<string, JobState>> {
    const states = new Map<string, JobState>();
    let beforeId: string | undefined;
    for (;;) {
      const page = await this.client.backend.listJobs({ limit: MAX_PAGE, beforeId });
      for (const job of page) states.set(job.id, job.state);
      if (page.length < MAX_PAGE) return states;
      beforeId = page.at(-1)!.id;
    }
  }

  async report(accepted: readonly string[]): Promise<CheckReport> {
    return check({ accepted, states: await this.states(), ledger: this.ledger(), deaths: this.deaths });
  }

  /**
   * Asserts lost = overlap = unexpected = 0, and that duplicates are only jobs in `mayDuplicate`
   * (runs in flight when a process was killed).
   */
  expectClean(report: CheckReport, mayDuplicate: ReadonlySet<string> = new Set()): void {
    const message = this.describe(report);
    expect(report.garbled, message).toBe(0);
    expect(report.lost, message).toEqual([]);
    expect(report.overlap, message).toEqual([]);
    expect(report.unexpected, message).toEqual([]);
    expect(
      report.duplicated.filter((id) => !mayDuplicate.has(id)),
      message,
    ).toEqual([]);
  }

  /**
   * Starts a service whose Work jobs sleep at most `maxJobMs`, waits until every accepted job
   * has ended, and stops it with TERM (asserting exit code 0).
   */
  async drain(configPath: string, accepted: readonly string[], maxJobMs = 50): Promise<Service> {
    const service = await this.startReady(configPath, { [MAX_MS_ENV]: String(maxJobMs) });
    await this.waitForAllDone(accepted);
    service.signal('SIGTERM');
    const { code } = await this.waitForExit(service);
    expect(code, this.describe()).toBe(0);
    return service;
  }

  /** After every service stopped: no process registered, no job claimed, no pidfile of `configPaths`. */
  async expectNothingLeft(...configPaths: string[]): Promise<void> {
    const message = this.describe();
    expect(await this.client.backend.listProcesses(), message).toEqual([]);
    expect((await this.client.jobs.counts()).claimed, message).toBe(0);
    for (const path of configPaths) expect(existsSync(this.pidfile(path)), message).toBe(false);
  }

  /** Waits until no accepted job is ready, scheduled or claimed. */
  async waitForAllDone(accepted: readonly string[]): Promise<void> {
    await this.waitFor(async () => {
      const states = await this.states();
      return accepted.every((id) => ['finished', 'failed', 'discarded'].includes(states.get(id) ?? ''));
    }, `all ${accepted.length} jobs to end`);
  }

  async waitForExit(service: Service, timeoutMs = DEFAULT_WAIT_MS) {
    await this.waitFor(() => service.exited, `${service.name} (pid ${service.pid}) to exit`, timeoutMs);
    return service.exit;
  }

  /** Polls `condition` until it holds; the timeout error carries the ledger counts and log tails. */
  async waitFor(
    condition: () => boolean | Promise<boolean>,
    what: string,
    timeoutMs = DEFAULT_WAIT_MS,
  ): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await condition())) {
      if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}\n${this.describe()}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  /** Ledger counts and the end of every service's output: the context of any failure. */
  describe(report?: CheckReport): string {
    const ledger = this.ledger();
    const count = (type: string) => ledger.entries.filter((e) => e.type === type).length;
    const lines = [
      report ? `check: ${summarize(report)}` : '',
      `ledger: starts=${count('start')} finishes=${count('finish')} aborts=${count('abort')} hooks=${count('hook')} garbled=${ledger.garbled}`,
    ];
    for (const s of this.#services) {
      const tail = s.output().trimEnd().split('\n').slice(-LOG_TAIL_LINES).join('\n');
      lines.push(`--- ${s.name} (pid ${s.pid}${s.exited ? ', exited' : ''}) last lines ---\n${tail}`);
    }
    return lines.filter(Boolean).join('\n');
  }

  /** Kills what is left of every service (its whole group) and removes the temp dir. */
  async cleanup(): Promise<void> {
    for (const s of this.#services) {
      try {
        process.kill(-s.pid, 'SIGKILL');
      } catch {
        // the group is already gone
      }
    }
    await Promise.all(this.#services.map((s) => s.exit));
    await this.waitFor(() => this.#services.every((s) => !groupAlive(s.pid)), 'killed groups to be gone');
    await this.client.close();
    if (this.backend === 'postgres') await dropSchema(this.schema);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * Whether a process is running (not a zombie: an orphan that died may stay one when pid 1 does
 * not reap, and kill(pid, 0) still succeeds on it). Reads /proc, so Linux only.
 */
export function isRunning(pid: number): boolean {
  const stat = procStat(pid);
  return stat !== undefined && stat.state !== 'Z';
}

function groupAlive(pgid: number): boolean {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .some((entry) => {
      const stat = procStat(Number(entry));
      return stat !== undefined && stat.pgrp === pgid && stat.state !== 'Z';
    });
}

function procStat(pid: number): { state: string; pgrp: number } | undefined {
  try {
    // "pid (comm) state ppid pgrp ...": comm may hold spaces, so split after its closing parenthesis.
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const [state, , pgrp] = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: state!, pgrp: Number(pgrp) };
  } catch {
    return undefined;
  }
}

/** Registers an afterEach that cleans up every harness a test made; returns the factory. */
export function useServiceHarness(backend: BackendKind = 'sqlite'): () => ServiceHarness {
  const made: ServiceHarness[] = [];
  afterEach(async () => {
    for (const harness of made.splice(0)) await harness.cleanup();
  });
  return () => {
    const harness = new ServiceHarness(backend);
    made.push(harness);
    return harness;
  };
}
