import { InvalidInputError, UnknownJobError } from '../errors.ts';
import { type AnyJob, isJobDefinition } from '../job/define.ts';

/** Job definitions of one Shigoto instance, by name, and the topics they subscribe to. */
export class JobRegistry {
  readonly #jobs = new Map<string, AnyJob>();
  readonly #subscribers = new Map<string, AnyJob[]>();

  constructor(jobs: readonly AnyJob[] = []) {
    for (const job of jobs) this.add(job);
  }

  add(job: AnyJob): void {
    if (!isJobDefinition(job))
      throw new InvalidInputError('Only values made by defineJob() can be registered as jobs');
    const existing = this.#jobs.get(job.name);
    if (existing && existing !== job)
      throw new InvalidInputError(`Two different jobs are named "${job.name}"`);
    if (existing) return;
    this.#jobs.set(job.name, job);
    for (const topic of new Set(job.topics)) {
      const list = this.#subscribers.get(topic) ?? [];
      list.push(job);
      this.#subscribers.set(topic, list);
    }
  }

  /** The jobs subscribed to `topic`, in the order they were registered. */
  subscribers(topic: string): readonly AnyJob[] {
    return this.#subscribers.get(topic) ?? [];
  }

  /** Every topic some job subscribes to, sorted. */
  topics(): string[] {
    return [...this.#subscribers.keys()].sort();
  }

  find(name: string): AnyJob | undefined {
    return this.#jobs.get(name);
  }

  get(name: string): AnyJob {
    const job = this.#jobs.get(name);
    if (!job) throw new UnknownJobError(name, this.names());
    return job;
  }

  names(): string[] {
    return [...this.#jobs.keys()].sort();
  }
}
