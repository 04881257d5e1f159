/** How commands print: a plain table for people, JSON (one document on stdout) for scripts. */
export interface Output {
  readonly json: boolean;
  /** Prints `value` as JSON, or `human()` as text. */
  result(value: unknown, human: () => string): void;
}

export function createOutput(json: boolean): Output {
  return {
    json,
    result(value, human) {
      process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${human()}\n`);
    },
  };
}

type Cell = string | number | boolean | null | undefined;

/** A left-aligned text table; numbers are right-aligned. */
export function table(
  rows: readonly Record<string, Cell>[],
  columns: readonly string[],
  empty = '(none)',
): string {
  if (rows.length === 0) return empty;
  const text = (v: Cell) => (v === null || v === undefined ? '-' : String(v));
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => text(r[c]).length)));
  const line = (cells: readonly Cell[], header = false) =>
    cells
      .map((cell, i) =>
        typeof cell === 'number' && !header ? text(cell).padStart(widths[i]!) : text(cell).padEnd(widths[i]!),
      )
      .join('  ')
      .trimEnd();
  return [
    line(
      columns.map((c) => c.toUpperCase()),
      true,
    ),
    ...rows.map((r) => line(columns.map((c) => r[c]))),
  ].join('\n');
}

export function time(ms: number | null | undefined): string {
  return ms === null || ms === undefined ? '-' : new Date(ms).toISOString().replace('.000Z', 'Z');
}

/** "3s", "2m", "1h" ago-style age of a timestamp. */
export function age(ms: number | null | undefined, now = Date.now()): string {
  if (ms === null || ms === undefined) return '-';
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  if (s < 172_800) return `${Math.round(s / 3600)}h`;
  return `${Math.round(s / 86_400)}d`;
}
