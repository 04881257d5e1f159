/** A one-line progress bar for long operations, redrawn in place on a terminal. */
export interface Progress {
  update(done: number): void;
  /** Erases the bar, so the result line that follows stands alone. */
  finish(): void;
}

const NO_PROGRESS: Progress = { update: () => {}, finish: () => {} };

/**
 * Draws on `stream` only when it is a terminal and `enabled` (not with --json): pipes and
 * log files get just the final result.
 */
export function progressBar(
  label: string,
  total: number,
  enabled: boolean,
  stream: NodeJS.WriteStream = process.stderr,
): Progress {
  if (!enabled || !stream.isTTY || total <= 0) return NO_PROGRESS;
  const progress: Progress = {
    update(done) {
      // More jobs may fail while it runs: the total grows rather than passing 100%.
      stream.write(`\r${renderBar(label, done, Math.max(total, done), stream.columns || 80)}`);
    },
    finish() {
      stream.write('\r\x1b[2K');
    },
  };
  progress.update(0);
  return progress;
}

/** "Retrying [#######-------]  350/1000  35%", fitted to `columns`. */
export function renderBar(label: string, done: number, total: number, columns: number): string {
  const ratio = Math.min(1, Math.max(0, done / total));
  const counts = `  ${done}/${total}  ${Math.floor(ratio * 100)}%`;
  const width = Math.max(10, Math.min(40, columns - label.length - counts.length - 4));
  const filled = Math.round(ratio * width);
  return `${label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}]${counts}`;
}
