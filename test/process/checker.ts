import { readFileSync } from 'node:fs';
import type { JobState } from 'shigoto';
import type { LedgerEntry } from '../fixtures/process-app.ts';

/** One run of a job, paired from its ledger lines by run id. */
export interface Execution {
  readonly job: string;
  readonly run: string;
  readonly pid: number;
  readonly instance: string;
  readonly attempt: number;
  readonly startedAt: number;
  /** Finish or abort time; for an open run of a dead process, its death time; else null. */
  readonly endedAt: number | null;
  readonly outcome: 'finished' | 'aborted' | 'open';
}

export interface Ledger {
  readonly entries: readonly LedgerEntry[];
  /** Lines that did not parse (a process killed mid-write); reported, never silently dropped. */
  readonly garbled: number;
}

export interface CheckInput {
  /** Ids the queue acknowledged (returned by enqueue). */
  readonly accepted: readonly string[];
  /** State of every stored job, from the queue. */
  readonly states: ReadonlyMap<string, JobState>;
  readonly ledger: Ledger;
  /** pid → a time by which that process was dead (SIGKILL sent, or seen gone): ends its open runs. */
  readonly deaths?: ReadonlyMap<number, number>;
}

/** Jepsen total-queue's idea: what goes in must come out, once, and never twice at a time. */
export interface CheckReport {
  readonly accepted: number;
  readonly executions: number;
  readonly finishedRuns: number;
  readonly abortedRuns: number;
  readonly openRuns: number;
  readonly garbled: number;
  /** Accepted, but not terminal in the queue, or finished in the queue with no finished run. */
  readonly lost: readonly string[];
  /** More than one finished run. */
  readonly duplicated: readonly string[];
  /** Two runs of one job alive at the same time. */
  readonly overlap: readonly string[];
  /** Ran, but never accepted. */
  readonly unexpected: readonly string[];
}

const TERMINAL: ReadonlySet<JobState> = new Set(['finished', 'failed', 'discarded']);

export function readLedger(path: string): Ledger {
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return { entries: [], garbled: 0 };
  }
  const entries: LedgerEntry[] = [];
  let garbled = 0;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    try {
      entries.push(JSON.parse(line) as LedgerEntry);
    } catch {
      garbled++;
    }
  }
  return { entries, garbled };
}

export function executionsOf(ledger: Ledger, noted: ReadonlyMap<number, number> = new Map()): Execution[] {
  const ends = new Map<string, { at: number; outcome: 'finished' | 'aborted' }>();
  const deaths = new Map(noted);
  for (const e of ledger.entries) {
    if (e.type === 'finish' || e.type === 'abort') {
      ends.set(e.run, { at: e.at, outcome: e.type === 'finish' ? 'finished' : 'aborted' });
    } else if (e.type === 'exit') {
      deaths.set(e.pid, Math.min(e.at, deaths.get(e.pid) ?? e.at));
    }
  }
  const executions: Execution[] = [];
  for (const e of ledger.entries) {
    if (e.type !== 'start') continue;
    const end = ends.get(e.run);
    executions.push({
      job: e.job,
      run: e.run,
      pid: e.pid,
      instance: e.instance,
      attempt: e.attempt,
      startedAt: e.at,
      endedAt: end?.at ?? deaths.get(e.pid) ?? null,
      outcome: end?.outcome ?? 'open',
    });
  }
  return executions;
}

export function check(input: CheckInput): CheckReport {
  const executions = executionsOf(input.ledger, input.deaths);
  const byJob = Map.groupBy(executions, (e) => e.job);
  const accepted = new Set(input.accepted);
  const finishedRuns = (job: string) => (byJob.get(job) ?? []).filter((e) => e.outcome === 'finished');

  const lost = input.accepted.filter((id) => {
    const state = input.states.get(id);
    if (state === undefined || !TERMINAL.has(state)) return true;
    return state === 'finished' && finishedRuns(id).length === 0;
  });
  const duplicated = [...byJob.keys()].filter((job) => finishedRuns(job).length > 1);
  const overlap = [...byJob.entries()].filter(([, runs]) => hasOverlap(runs)).map(([job]) => job);
  const unexpected = [...byJob.keys()].filter((job) => !accepted.has(job));
  const count = (outcome: Execution['outcome']) => executions.filter((e) => e.outcome === outcome).length;
  return {
    accepted: accepted.size,
    executions: executions.length,
    finishedRuns: count('finished'),
    abortedRuns: count('aborted'),
    openRuns: count('open'),
    garbled: input.ledger.garbled,
    lost,
    duplicated,
    overlap,
    unexpected,
  };
}

/** An open run with no known end (its process not known to be dead) overlaps anything after it. */
function hasOverlap(runs: readonly Execution[]): boolean {
  const sorted = [...runs].sort((a, b) => a.startedAt - b.startedAt);
  let liveUntil = Number.NEGATIVE_INFINITY;
  for (const run of sorted) {
    if (run.startedAt < liveUntil) return true;
    liveUntil = Math.max(liveUntil, run.endedAt ?? Number.POSITIVE_INFINITY);
  }
  return false;
}

export function summarize(report: CheckReport): string {
  const ids = (list: readonly string[]) =>
    list.length === 0 ? '0' : `${list.length} [${list.slice(0, 10)}]`;
  return [
    `accepted=${report.accepted} executions=${report.executions} finished=${report.finishedRuns}`,
    `aborted=${report.abortedRuns} open=${report.openRuns} garbled=${report.garbled}`,
    `lost=${ids(report.lost)} duplicated=${ids(report.duplicated)} overlap=${ids(report.overlap)}`,
    `unexpected=${ids(report.unexpected)}`,
  ].join(' ');
}
