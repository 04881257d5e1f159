import type { z } from 'zod';
import { configSchema, dispatcherSchema, sqliteSchema, workerSchema } from './schema.ts';

/** Which keys each section allows, to name them when a key is unknown. */
function allowedKeys(path: readonly PropertyKey[]): string[] {
  const [section] = path;
  if (section === 'workers') return Object.keys(workerSchema.shape);
  if (section === 'dispatchers') return Object.keys(dispatcherSchema.shape);
  if (section === 'backend') return Object.keys(sqliteSchema.shape);
  return Object.keys(configSchema.shape);
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    out += typeof part === 'number' ? `[${part}]` : `${out ? '.' : ''}${String(part)}`;
  }
  return out || '(top level)';
}

/** One line per problem: the key, the value found, and what is allowed. */
export function describeIssues(
  issues: readonly z.core.$ZodIssue[],
  envSources: ReadonlyMap<string, string>,
): string[] {
  return issues.map((issue) => {
    const where = formatPath(issue.path);
    const env = envSources.get(String(issue.path[0]));
    const from = env ? ` (from ${env})` : '';
    if (issue.code === 'unrecognized_keys') {
      const keys = issue.keys.map((k) => `"${k}"`).join(', ');
      return `${where}: unknown key ${keys}; allowed keys: ${allowedKeys(issue.path).join(', ')}`;
    }
    const got = 'input' in issue && issue.input !== undefined ? `got ${JSON.stringify(issue.input)}, ` : '';
    const message = issue.message.replace(/^[a-z_]+: /, '');
    return `${where}${from}: ${got}${message}`;
  });
}
