import { join } from 'node:path';
import { afterAll, afterEach } from 'vitest';
import type { Backend } from '../../src/backend/types.ts';
import {
  createConsoleLogger,
  createShigoto,
  type EmbeddedOptions,
  inlineBackend,
  type RunningRuntime,
  type Shigoto,
  type ShigotoOptions,
  sqliteBackend,
} from '../../src/index.ts';
import { closeAdminPool, isolatedPostgres } from './postgres.ts';
import { POSTGRES, serviceAvailable } from './services.ts';
import { workFast } from './shigoto-harness.ts';
import { tempDir } from './temp-dir.ts';

export type BackendKind = 'inline' | 'sqlite' | 'postgres';

/** The backends client tests run on; PostgreSQL only when its server answers. */
export async function clientBackends(): Promise<BackendKind[]> {
  return ['inline', 'sqlite', ...((await serviceAvailable(POSTGRES)) ? (['postgres'] as const) : [])];
}

/** A client on one backend, with a clock tests can move forward. */
export interface BackendHarness {
  readonly shigoto: Shigoto;
  advance(ms: number): void;
  /** Starts an embedded runtime polling every 10 ms; stopped when the test ends. */
  work(options?: EmbeddedOptions): Promise<RunningRuntime>;
  /**
   * Another client on the same storage, as another process would open (not for inline, whose
   * storage is this process's memory). Same clock, its own options.
   */
  sibling(options?: Omit<ShigotoOptions, 'backend'>): Promise<Shigoto>;
}

type Options = Omit<ShigotoOptions, 'backend'>;

/**
 * Call once inside a describe: returns a factory of harnesses on `kind`; everything they open
 * is closed and removed after each test.
 */
export function useBackendHarness(kind: BackendKind): (options?: Options) => Promise<BackendHarness> {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  if (kind === 'postgres') afterAll(closeAdminPool);
  return async (options = {}) => {
    const open = await storage(kind, cleanups);
    let offset = 0;
    const now = () => Date.now() + offset;
    const client = async (clientOptions: Options) => {
      const shigoto = createShigoto({
        logger: createConsoleLogger({ level: 'silent' }),
        now,
        ...clientOptions,
        backend: open(),
      });
      await shigoto.migrate();
      cleanups.push(() => shigoto.close());
      return shigoto;
    };
    const shigoto = await client(options);
    return {
      shigoto,
      advance: (ms) => {
        offset += ms;
      },
      work: async (workOptions = {}) => {
        const runtime = await workFast(shigoto, workOptions);
        cleanups.push(() => runtime.stop());
        return runtime;
      },
      sibling: (siblingOptions = {}) => {
        if (kind === 'inline') throw new Error('inline storage cannot be shared');
        return client(siblingOptions);
      },
    };
  };
}

/** Opens backends on one fresh storage of `kind` (each call: another connection to it). */
async function storage(kind: BackendKind, cleanups: Array<() => Promise<void>>): Promise<() => Backend> {
  if (kind === 'inline') return () => inlineBackend();
  if (kind === 'sqlite') {
    const dir = await tempDir('shigoto-client-');
    cleanups.push(() => dir.remove());
    return () => sqliteBackend({ path: join(dir.path, 'jobs.db') });
  }
  const pg = isolatedPostgres();
  // The harness's clients close their own backends; this one only made the schema name.
  cleanups.push(pg.cleanup);
  return pg.sibling;
}
