import { connect } from 'node:net';

/** A server some tests need, and how a developer starts it. */
export interface Service {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly startWith: string;
}

export const POSTGRES: Service = {
  name: 'PostgreSQL',
  host: '127.0.0.1',
  port: 5432,
  startWith: 'pg_ctlcluster 15 main start (pg_lsclusters lists the clusters)',
};

const CONNECT_TIMEOUT_MS = 1000;

function reachable({ host, port }: Service): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: CONNECT_TIMEOUT_MS });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false));
  });
}

/**
 * True when the service answers. When it does not, the suite should skip: this prints one
 * line saying which server is missing and how to start it. With SHIGOTO_REQUIRE_SERVICES=1
 * (CI) a missing server fails the run instead of skipping it.
 */
export async function serviceAvailable(service: Service): Promise<boolean> {
  if (await reachable(service)) return true;
  return skipOrFail(
    `${service.name} not reachable at ${service.host}:${service.port} — start it with: ${service.startWith}`,
  );
}

/** Prints why a suite skips and returns false; with SHIGOTO_REQUIRE_SERVICES=1, throws instead. */
export function skipOrFail(why: string): false {
  if (process.env.SHIGOTO_REQUIRE_SERVICES === '1') {
    throw new Error(`${why} (SHIGOTO_REQUIRE_SERVICES=1, so this fails instead of skipping)`);
  }
  console.warn(`Skipping: ${why}`);
  return false;
}
