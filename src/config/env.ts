import { ConfigError } from '../errors.ts';

/** How an environment variable's text becomes a YAML-like value; anything else stays text. */
type EnvKind = 'text' | 'number' | 'boolean' | 'pathOrFalse';

/** Top-level keys that SHIGOTO_<KEY> overrides (docs/configuration.md lists them). */
export const ENV_KEYS: Readonly<Record<string, EnvKind>> = {
  app: 'text',
  process_heartbeat_interval: 'number',
  process_alive_threshold: 'number',
  shutdown_timeout: 'number',
  preserve_finished_jobs: 'boolean',
  clear_finished_jobs_after: 'number',
  max_payload_bytes: 'number',
  max_queue_size: 'number',
  default_concurrency_control_period: 'number',
  pidfile: 'pathOrFalse',
  jobs_file: 'text',
  allow_job_scripts: 'boolean',
  task_expire: 'number',
  lifecycle_events: 'boolean',
  log_level: 'text',
  log_format: 'text',
};

export const envName = (key: string): string => `SHIGOTO_${key.toUpperCase()}`;

export interface EnvApplied {
  /** The file's settings with the environment's on top. */
  readonly merged: Record<string, unknown>;
  /** Top-level key → the variable that set it, so errors can name it. */
  readonly envSources: ReadonlyMap<string, string>;
}

/** Applies SHIGOTO_* variables over the file's settings; empty variables are ignored. */
export function applyEnv(raw: Record<string, unknown>, env: NodeJS.ProcessEnv): EnvApplied {
  const merged: Record<string, unknown> = { ...raw };
  const envSources = new Map<string, string>();
  for (const [key, kind] of Object.entries(ENV_KEYS)) {
    const name = envName(key);
    const value = env[name];
    if (value === undefined || value === '') continue;
    merged[key] = fromText(value.trim(), kind);
    envSources.set(key, name);
  }
  const url = env.SHIGOTO_DATABASE_URL;
  if (url) {
    merged.backend = backendFromUrl(url, raw.backend);
    envSources.set('backend', 'SHIGOTO_DATABASE_URL');
  }
  return { merged, envSources };
}

function fromText(value: string, kind: EnvKind): unknown {
  if (kind === 'number' && /^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  // pidfile=true is refused as in YAML, rather than read as a file named "true".
  if ((kind === 'boolean' || kind === 'pathOrFalse') && (value === 'true' || value === 'false')) {
    return value === 'true';
  }
  return value;
}

/**
 * `sqlite:path/to/file.db`, `sqlite:///absolute/path.db`, `sqlite::memory:` or
 * `postgres://user:password@host:port/database` (postgresql:// too). The URL sets the adapter
 * and where the database is; the file's other backend settings (table_prefix, synchronous;
 * schema, pool_size) stay when the file uses the same adapter.
 */
function backendFromUrl(url: string, fileBackend: unknown): Record<string, unknown> {
  const text = url.trim();
  const sqlite = /^sqlite:(?:\/\/)?(.+)$/.exec(text);
  const fromUrl = sqlite
    ? { adapter: 'sqlite', path: sqlite[1] }
    : /^postgres(ql)?:\/\/./.test(text)
      ? { adapter: 'postgres', url: text }
      : null;
  if (!fromUrl) {
    throw new ConfigError('SHIGOTO_DATABASE_URL', [
      `got ${JSON.stringify(url)}; expected sqlite:<path> (like sqlite:storage/shigoto.db or sqlite:///var/lib/app/jobs.db) or postgres://user:password@host:port/database`,
    ]);
  }
  const sameAdapter =
    typeof fileBackend === 'object' &&
    fileBackend !== null &&
    (fileBackend as { adapter?: unknown }).adapter === fromUrl.adapter;
  return { ...(sameAdapter ? fileBackend : {}), ...fromUrl };
}
