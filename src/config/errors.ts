import type { z } from 'zod';
import {
  configSchema,
  dispatcherSchema,
  postgresSchema,
  queueSettingsSchema,
  sqliteSchema,
  workerSchema,
} from './schema.ts';

/** Which keys each section allows (the backend's depend on its adapter), to name them when a key is unknown. */
function allowedKeys(path: readonly PropertyKey[], input: unknown): string[] {
  const [section] = path;
  if (path.length === 0) return Object.keys(configSchema.shape);
  if (section === 'workers') return Object.keys(workerSchema.shape);
  if (section === 'dispatchers') return Object.keys(dispatcherSchema.shape);
  if (section === 'queues') return Object.keys(queueSettingsSchema.shape);
  const adapter = valueAt(input, ['backend', 'adapter']).value;
  return Object.keys((adapter === 'postgres' ? postgresSchema : sqliteSchema).shape);
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    out += typeof part === 'number' ? `[${part}]` : `${out ? '.' : ''}${String(part)}`;
  }
  return out || '(top level)';
}

/**
 * What is allowed, for the few checks whose schema sets no message of its own (errors.ts
 * prints "expected <this>"). Passed to safeParse; a schema's own `error` wins over it.
 */
export const fallbackMessages: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'invalid_type':
      return TYPE_NAMES[issue.expected] ?? `a ${issue.expected}`;
    case 'invalid_value':
      return `one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'too_small':
      return `at least ${issue.minimum}`;
    case 'too_big':
      return `at most ${issue.maximum}`;
    default:
      return undefined;
  }
};

const TYPE_NAMES: Record<string, string> = {
  array: 'a list',
  object: 'a mapping (key: value lines)',
  boolean: 'true or false',
};

/**
 * One line per problem: the key (and the environment variable it came from), the value
 * found, and what is allowed. `input` is what was validated, to show the value at the key.
 */
export function describeIssues(
  issues: readonly z.core.$ZodIssue[],
  input: unknown,
  envSources: ReadonlyMap<string, string>,
): string[] {
  return issues.map((issue) => {
    const where = formatPath(issue.path);
    const env = envSources.get(String(issue.path[0]));
    const from = env ? ` (from ${env})` : '';
    if (issue.code === 'unrecognized_keys') {
      const allowed = allowedKeys(issue.path, input);
      const keys = issue.keys.map((k) => `"${k}"${didYouMean(k, allowed)}`).join(', ');
      const plural = issue.keys.length === 1 ? 'key' : 'keys';
      return `${where}${from}: unknown ${plural} ${keys}; allowed keys: ${allowed.join(', ')}`;
    }
    const found = valueAt(input, issue.path);
    const value = found.found ? found.value : (issue as { input?: unknown }).input;
    return `${where}${from}: got ${show(value)}; expected ${issue.message}`;
  });
}

/**
 * The raw value at `path`. Not found when the path leaves the raw input (a comma-separated
 * queue string is split before it is checked): the issue's own input is shown then.
 */
function valueAt(root: unknown, path: readonly PropertyKey[]): { found: boolean; value?: unknown } {
  let value = root;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return { found: false };
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return { found: true, value };
}

function show(value: unknown): string {
  if (value === undefined) return 'nothing (the key is missing)';
  if (value === null) return 'null (an empty value)';
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** ` (did you mean "threads"?)` for a key one or two typos away from an allowed one. */
function didYouMean(key: string, allowed: readonly string[]): string {
  let best: { key: string; distance: number } | null = null;
  for (const candidate of allowed) {
    const distance = editDistance(key, candidate);
    if (distance <= 2 && (!best || distance < best.distance)) best = { key: candidate, distance };
  }
  return best ? ` (did you mean "${best.key}"?)` : '';
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length]!;
}
