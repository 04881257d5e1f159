/**
 * Turns a worker's queue patterns into ordered claim steps. List order is strict priority
 * across queues; inside one step jobs go by numeric priority, then FIFO. A "prefix*" pattern
 * is one step over every matching queue; "*" is one step over all queues.
 */
export type ClaimStep =
  | { readonly kind: 'names'; readonly names: readonly string[] }
  | { readonly kind: 'all'; readonly exclude: readonly string[] };

export interface KnownQueue {
  readonly name: string;
  readonly paused: boolean;
}

export function planClaimSteps(patterns: readonly string[], known: readonly KnownQueue[]): ClaimStep[] {
  const paused = known.filter((q) => q.paused).map((q) => q.name);
  const pausedSet = new Set(paused);
  const steps: ClaimStep[] = [];
  for (const pattern of patterns) {
    if (pattern === '*') {
      steps.push({ kind: 'all', exclude: paused });
    } else if (pattern.endsWith('*')) {
      const prefix = pattern.slice(0, -1);
      const names = known
        .filter((q) => !q.paused && q.name.startsWith(prefix))
        .map((q) => q.name)
        .sort();
      if (names.length > 0) steps.push({ kind: 'names', names });
    } else if (!pausedSet.has(pattern)) {
      steps.push({ kind: 'names', names: [pattern] });
    }
  }
  return steps;
}

/** True when `queue` is selected by any of the patterns (used for in-process wake-ups). */
export function queueMatches(patterns: readonly string[], queue: string): boolean {
  return patterns.some(
    (p) => p === '*' || p === queue || (p.endsWith('*') && queue.startsWith(p.slice(0, -1))),
  );
}
