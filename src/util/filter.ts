/**
 * One filter for secrets in job arguments, applied wherever arguments are shown (CLI output,
 * and later the dashboard, REST API and lifecycle events): values under matching keys, at any
 * depth, are replaced. Patterns are key-name fragments (case-insensitive) or /regular expressions/.
 */
export const DEFAULT_FILTER_PATTERNS: readonly string[] = [
  'password',
  'passwd',
  'secret',
  'token',
  'api_key',
  'apikey',
  'authorization',
  'cookie',
];

export const FILTERED = '[FILTERED]';

export type ArgumentFilter = <T>(value: T) => T;

export function compileFilterPattern(pattern: string): RegExp {
  const literal = /^\/(.+)\/([a-z]*)$/.exec(pattern);
  if (literal) return new RegExp(literal[1]!, literal[2]!.replace(/[gy]/g, ''));
  return new RegExp(pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'i');
}

export function createArgumentFilter(patterns: readonly string[] = DEFAULT_FILTER_PATTERNS): ArgumentFilter {
  const regexps = patterns.map(compileFilterPattern);
  const secret = (key: string) => regexps.some((r) => r.test(key));
  const walk = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(walk);
    if (value === null || typeof value !== 'object') return value;
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = secret(key) ? FILTERED : walk(item);
    return out;
  };
  return <T>(value: T) => (regexps.length === 0 ? value : (walk(value) as T));
}
