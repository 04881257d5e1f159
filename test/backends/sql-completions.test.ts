import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Backend, Completion, NewJob } from '../../src/backend/types.ts';
import { sqliteBackend } from '../../src/backends/sqlite/index.ts';
import { claim, enqueue, newJob, newJobs, refOf, storedError, T0 } from '../contract/helpers.ts';
import { isolatedPostgres } from '../support/postgres.ts';
import { POSTGRES, serviceAvailable } from '../support/services.ts';
import { tempDir } from '../support/temp-dir.ts';

/**
 * The usual completion batch (every job finished, or every one discarded) ends the jobs without
 * controls in one statement that reads back only their ids; jobs with controls and claims whose
 * lease was lost go on to the full path. Checked on both SQL backends, keeping finished jobs and
 * deleting them, for a batch that mixes all three.
 */
interface Opened {
  readonly backend: Backend;
  readonly close: () => Promise<void>;
}

async function openSqlite(deleteFinished: boolean): Promise<Opened> {
  const dir = await tempDir('shigoto-completions-');
  const backend = sqliteBackend({ path: join(dir.path, 'shigoto.db'), deleteFinished });
  return {
    backend,
    close: async () => {
      await backend.close();
      await dir.remove();
    },
  };
}

function openPostgres(deleteFinished: boolean): Opened {
  const { backend, cleanup } = isolatedPostgres({ deleteFinished });
  return { backend, close: cleanup };
}

const postgresAvailable = await serviceAvailable(POSTGRES);
const NOW = T0 + 1000;
const uniqueJob = (key: string): NewJob =>
  newJob({ unique: { key, states: ['ready', 'claimed'], expiresAt: null, onConflict: 'return' } });

for (const [name, open, available] of [
  ['sqlite', openSqlite, true],
  ['postgres', openPostgres, postgresAvailable],
] as const) {
  for (const deleteFinished of [false, true]) {
    describe.skipIf(!available)(
      `completion batches: ${name}, finished jobs ${deleteFinished ? 'deleted' : 'kept'}`,
      () => {
        let opened: Opened | undefined;
        afterEach(async () => {
          await opened?.close();
          opened = undefined;
        });

        it('ends plain jobs, jobs with controls and rejects a lost lease, all in one batch', async () => {
          opened = await open(deleteFinished);
          const { backend } = opened;
          await backend.migrate();
          const plainIds = await enqueue(backend, newJobs(3));
          const [uniqueId] = await enqueue(backend, [uniqueJob('k')]);
          const [staleId] = await enqueue(backend, [newJob()]);
          const jobs = await claim(backend, ['*'], 10);
          expect(jobs).toHaveLength(5);
          const lostLease = 'not-this-claims-lease';
          const items: Completion[] = jobs.map((job) => ({
            jobId: job.id,
            lease: job.id === staleId ? lostLease : job.lease,
            outcome: 'finished',
            result: job.id === plainIds[0] ? '"done"' : null,
          }));

          expect(await backend.complete({ items, now: NOW })).toEqual({ rejected: [staleId] });
          for (const id of [...plainIds, uniqueId!]) {
            const job = await backend.getJob({ id });
            if (deleteFinished) expect(job).toBeNull();
            else expect(job).toMatchObject({ state: 'finished', finishedAt: NOW, processId: null });
          }
          if (!deleteFinished) expect((await backend.getJob({ id: plainIds[0]! }))?.result).toBe('"done"');
          expect(await backend.getJob({ id: staleId! })).toMatchObject({ state: 'claimed' });
          // The unique key was released with its job: the same key is free again.
          const again = await enqueue(backend, [uniqueJob('k')]);
          expect(again.duplicates ?? []).toEqual([]);
          expect(again[0]).not.toBe(uniqueId);
        });

        it('discards a batch, each job keeping its own error', async () => {
          opened = await open(deleteFinished);
          const { backend } = opened;
          await backend.migrate();
          await enqueue(backend, newJobs(2));
          const jobs = await claim(backend, ['*'], 10);
          const errors = jobs.map((job) => storedError({ message: `no ${job.id}`, at: NOW }));
          const items: Completion[] = jobs.map((job, i) => ({
            ...refOf(job),
            outcome: 'discarded',
            error: errors[i]!,
          }));
          expect(await backend.complete({ items, now: NOW })).toEqual({ rejected: [] });
          for (const [i, job] of jobs.entries()) {
            const stored = await backend.getJob({ id: job.id });
            expect(stored).toMatchObject({ state: 'discarded', finishedAt: NOW });
            expect(stored?.lastError).toMatchObject({ message: errors[i]!.message });
          }
        });
      },
    );
  }
}
