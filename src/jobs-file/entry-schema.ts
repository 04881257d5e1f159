import { z } from 'zod';
import { describeIssues, fallbackMessages } from '../config/errors.ts';
import { secondsOrDurationToMs } from '../util/duration.ts';
import { NAME_PATTERN } from '../util/names.ts';

/** One validated entry of config/jobs.yml, before its code is loaded. */
export interface JobEntry {
  /** How problems name it: its name, else its position. */
  readonly where: string;
  readonly name: string;
  readonly topics: readonly string[];
  readonly code:
    | { readonly kind: 'module'; readonly module: string; readonly export: string }
    | { readonly kind: 'script'; readonly script: string };
  readonly queue: string | null;
  readonly priority: number | null;
  readonly timeoutMs: number | null;
  readonly lifecycleEvents: boolean | null;
}

const NAME_RULE = '1-128 characters from A-Z a-z 0-9 _ . : -';
const EXPORT_NAME = /^[A-Za-z_$][\w$]*$/;
const text = (error: string) => z.string({ error }).min(1, { error });
const named = (what: string) =>
  text(`${what} (${NAME_RULE})`).regex(NAME_PATTERN, { error: `${what} (${NAME_RULE})` });
const WHOLE_NUMBER = 'a whole number (lower runs first)';
const DURATION = 'seconds (a number > 0) or a duration like "30s", "5m"';

const entrySchema = z.strictObject(
  {
    name: named('a job name'),
    topics: z
      .array(named('a topic name'), { error: 'a list of topic names, each starting with "- "' })
      .min(1, { error: 'at least one topic' }),
    module: text('the path of a module, like jobs/greet.ts (relative to where shigoto runs)').optional(),
    export: text('the name of a function the module exports')
      .regex(EXPORT_NAME, { error: 'the name of a function the module exports' })
      .optional(),
    script: text('JavaScript (the body of an async function of task, logger, ctx and app)').optional(),
    queue: named('a queue name').optional(),
    priority: z.number({ error: WHOLE_NUMBER }).int({ error: WHOLE_NUMBER }).optional(),
    timeout: z.union([z.number(), z.string()], { error: DURATION }).optional(),
    lifecycle_events: z.boolean({ error: 'true or false' }).optional(),
    description: z.string({ error: 'text' }).optional(),
  },
  { error: 'a mapping of job settings (name:, topics:, module: or script:, ...)' },
);

export const ENTRY_KEYS = Object.keys(entrySchema.shape);

export interface EntryCheck {
  readonly entry: JobEntry | null;
  readonly problems: readonly string[];
}

/**
 * Validates one entry; every mistake is reported, each starting with the entry (its name, or
 * its position) and the key. Inline scripts need `allowScripts`.
 */
export function checkEntry(raw: unknown, index: number, allowScripts: boolean): EntryCheck {
  const rawName = (raw as { name?: unknown } | null)?.name;
  const where =
    typeof rawName === 'string' && NAME_PATTERN.test(rawName)
      ? `${rawName} (entry ${index + 1})`
      : `entry ${index + 1}`;
  const problems: string[] = [];
  const result = entrySchema.safeParse(raw, { reportInput: true, error: fallbackMessages });
  if (!result.success) problems.push(...describeEntryIssues(where, result.error.issues, raw));
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { entry: null, problems };
  const entry = raw as Record<string, unknown>;
  const has = (key: string) => entry[key] !== undefined;
  if (has('module') === has('script')) {
    problems.push(
      has('module')
        ? `${where}: has both module: and script:; keep one`
        : `${where}: needs module: (a module path, with export:) or script: (inline JavaScript)`,
    );
  }
  if (has('export') && !has('module')) problems.push(`${where}.export: only goes with module:`);
  if (has('script') && !allowScripts) {
    problems.push(
      `${where}.script: inline scripts are off; they run as trusted code with the service's rights (not a sandbox). Set allow_job_scripts: true in the configuration to allow them, or use module: and export:`,
    );
  }
  let timeoutMs: number | null = null;
  if (result.success && result.data.timeout !== undefined) {
    try {
      timeoutMs = secondsOrDurationToMs(result.data.timeout, 'timeout');
      if (timeoutMs <= 0) throw new Error('zero');
    } catch {
      problems.push(`${where}.timeout: got ${JSON.stringify(result.data.timeout)}; expected ${DURATION}`);
    }
  }
  if (!result.success || problems.length > 0) return { entry: null, problems };
  const data = result.data;
  return {
    entry: {
      where,
      name: data.name,
      topics: data.topics,
      code:
        data.script !== undefined
          ? { kind: 'script', script: data.script }
          : { kind: 'module', module: data.module!, export: data.export ?? 'default' },
      queue: data.queue ?? null,
      priority: data.priority ?? null,
      timeoutMs,
      lifecycleEvents: data.lifecycle_events ?? null,
    },
    problems,
  };
}

/** "where.key: got ...; expected ..." as in config errors, unknown keys named with the allowed ones. */
function describeEntryIssues(where: string, issues: readonly z.core.$ZodIssue[], raw: unknown): string[] {
  return issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') {
      const plural = issue.keys.length === 1 ? 'key' : 'keys';
      const keys = issue.keys.map((k) => `"${k}"`).join(', ');
      return `${where}: unknown ${plural} ${keys}; allowed keys: ${ENTRY_KEYS.join(', ')}`;
    }
    return describeIssues([{ ...issue, path: [where, ...issue.path] }], { [where]: raw }, new Map())[0]!;
  });
}
