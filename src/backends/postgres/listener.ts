import type * as Pg from 'pg';
import { parseNoticePayload } from './dialect.ts';

interface Subscriber {
  readonly onQueues: (queues: readonly string[]) => void;
  readonly onError: ((error: unknown) => void) | undefined;
}

export interface ListenerTimings {
  /** First pause before reconnecting; it doubles up to maxRetryMs (with jitter). */
  readonly retryMs: number;
  readonly maxRetryMs: number;
  /**
   * How often the connection is checked with a query: one unanswered for a whole interval (a
   * silently dead network path) counts as lost.
   */
  readonly pingMs: number;
}

export const LISTENER_TIMINGS: ListenerTimings = { retryMs: 100, maxRetryMs: 2000, pingMs: 30_000 };

/**
 * One dedicated connection per backend that LISTENs on the schema's channel and hands every
 * notice to the subscribers. A lost connection (server restart, pg_terminate_backend, network)
 * is reported, never thrown: it reconnects with backoff, LISTENs again, and then tells the
 * subscribers "maybe any queue" since notices sent meanwhile are gone.
 */
export class PostgresListener {
  readonly #connect: () => Pg.Client;
  readonly #channel: string;
  readonly #timings: ListenerTimings;
  readonly #subscribers = new Set<Subscriber>();
  #client: Pg.Client | undefined;
  #connecting: Promise<void> | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #pingTimer: NodeJS.Timeout | undefined;
  #failures = 0;
  /** Notices may have been missed since the last subscription (a loss or a failed attempt). */
  #missed = false;

  constructor(connect: () => Pg.Client, channel: string, timings: ListenerTimings = LISTENER_TIMINGS) {
    this.#connect = connect;
    this.#channel = channel;
    this.#timings = timings;
  }

  /** Resolves once listening, or once the first attempt failed (it goes on retrying). */
  async subscribe(
    onQueues: (queues: readonly string[]) => void,
    onError?: (error: unknown) => void,
  ): Promise<() => Promise<void>> {
    const subscriber: Subscriber = { onQueues, onError };
    this.#subscribers.add(subscriber);
    if (!this.#client && !this.#retryTimer) this.#connecting ??= this.#open();
    await this.#connecting;
    return async () => {
      if (!this.#subscribers.delete(subscriber) || this.#subscribers.size > 0) return;
      await this.close();
    };
  }

  /** Ends the connection and any retry; a later subscribe opens a new one. */
  async close(): Promise<void> {
    this.#subscribers.clear();
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    await this.#connecting;
    const client = this.#client;
    this.#drop();
    await client?.end().catch(() => undefined);
  }

  async #open(): Promise<void> {
    const client = this.#connect();
    // Without an 'error' listener, a connection dying while idle would crash the process.
    client.on('error', (error) => this.#lost(client, error));
    client.on('end', () => this.#lost(client, new Error('The LISTEN connection closed')));
    client.on('notification', (message) => {
      if (message.channel === this.#channel) this.#deliver(parseNoticePayload(message.payload));
    });
    try {
      await client.connect();
      await client.query(`LISTEN "${this.#channel}"`);
    } catch (error) {
      client.removeAllListeners();
      client.on('error', () => {});
      client.end().catch(() => undefined);
      this.#connecting = undefined;
      this.#failed(error);
      return;
    }
    this.#connecting = undefined;
    if (this.#subscribers.size === 0) {
      // Everyone unsubscribed while this connected.
      client.end().catch(() => undefined);
      return;
    }
    this.#client = client;
    this.#failures = 0;
    this.#startPings(client);
    if (this.#missed) {
      this.#missed = false;
      this.#deliver([]);
    }
  }

  #lost(client: Pg.Client, error: unknown): void {
    if (client !== this.#client) return;
    this.#drop();
    client.end().catch(() => undefined);
    this.#failed(error);
  }

  #failed(error: unknown): void {
    this.#missed = true;
    for (const subscriber of this.#subscribers) subscriber.onError?.(error);
    if (this.#subscribers.size === 0 || this.#retryTimer) return;
    const { retryMs, maxRetryMs } = this.#timings;
    const delay = Math.min(maxRetryMs, retryMs * 2 ** this.#failures++) * (0.5 + Math.random());
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      if (this.#subscribers.size > 0) this.#connecting ??= this.#open();
    }, delay);
    this.#retryTimer.unref();
  }

  #drop(): void {
    clearInterval(this.#pingTimer);
    this.#pingTimer = undefined;
    this.#client = undefined;
  }

  #startPings(client: Pg.Client): void {
    let answered = true;
    this.#pingTimer = setInterval(() => {
      if (!answered) return this.#lost(client, new Error('The LISTEN connection stopped answering'));
      answered = false;
      client.query('SELECT 1').then(
        () => (answered = true),
        (error: unknown) => this.#lost(client, error),
      );
    }, this.#timings.pingMs);
    this.#pingTimer.unref();
  }

  #deliver(queues: readonly string[]): void {
    for (const subscriber of this.#subscribers) {
      try {
        subscriber.onQueues(queues);
      } catch (error) {
        subscriber.onError?.(error);
      }
    }
  }
}
