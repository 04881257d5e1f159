import { BackendUnavailableError, PermissionDeniedError } from '../../errors.ts';

/** Socket failures, and server states that mean "no usable connection right now". */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  '57P01', // admin_shutdown: the server (or pg_terminate_backend) ended the session
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now: starting up or shutting down
  '53300', // too_many_connections
]);

/**
 * The server refused the connection at its start, for settings no retry mends by itself: a
 * role that does not exist or may not connect from here, a wrong password, a database that
 * does not exist. No statement ran; it is no connection, worded as the mistake it likely is.
 */
const REFUSED_CODES = new Set([
  '28000', // invalid_authorization_specification: no such role, or no pg_hba.conf entry
  '28P01', // invalid_password
  '3D000', // invalid_catalog_name: no such database
]);

/** What pg says, without a code, when TLS was asked for and the server offers none. */
const NO_TLS_MESSAGE = /does not support SSL connections/;

/** insufficient_privilege */
const PERMISSION_DENIED = '42501';

/** What pg says, without a code, when a socket closed or never opened in time. */
const CONNECTION_MESSAGES =
  /Connection terminated|connection timeout|timeout exceeded when trying to connect|not queryable|Query read timeout/i;

/** serialization_failure and deadlock_detected: the transaction can run again as a whole. */
const RETRYABLE_CODES = new Set(['40001', '40P01']);

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

export function isConnectionError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = codeOf(error);
  if (isRefusal(error)) return true;
  if (code && (CONNECTION_CODES.has(code) || code.startsWith('08'))) return true;
  // Node reports a refused connection to every address of a host as one AggregateError.
  if (error instanceof AggregateError && error.errors.some(isConnectionError)) return true;
  return CONNECTION_MESSAGES.test(error.message);
}

/** A connection refused for its settings (see REFUSED_CODES), or TLS the server lacks. */
function isRefusal(error: Error): boolean {
  return REFUSED_CODES.has(codeOf(error) ?? '') || NO_TLS_MESSAGE.test(error.message);
}

export function isRetryable(error: unknown): boolean {
  const code = codeOf(error);
  return code !== undefined && RETRYABLE_CODES.has(code);
}

/**
 * Turns a lost or refused connection, and a missing privilege, into the typed errors callers
 * branch on; others pass through.
 */
export function toBackendError(error: unknown, target: string): unknown {
  if (codeOf(error) === PERMISSION_DENIED) {
    return new PermissionDeniedError(
      `PostgreSQL at ${target} refused: ${(error as Error).message} (the role of the connection settings lacks a privilege Shigoto needs: see "Setup" in docs/backends.md)`,
      { cause: error },
    );
  }
  if (error instanceof BackendUnavailableError || !isConnectionError(error)) return error;
  if (isRefusal(error as Error)) {
    return new BackendUnavailableError(
      `PostgreSQL at ${target} refused the connection: ${(error as Error).message} (check the connection settings: user, password, database, TLS)`,
      { cause: error },
    );
  }
  const reason =
    ((error as Error).message === 'Query read timeout'
      ? 'no answer within the query timeout (queryTimeoutMs, backend.query_timeout); the connection was closed'
      : (error as Error).message) ||
    (error instanceof AggregateError ? error.errors.map((e) => String(e?.message ?? e)).join('; ') : '') ||
    codeOf(error);
  return new BackendUnavailableError(`PostgreSQL at ${target} is unavailable: ${reason}`, { cause: error });
}

/** host:port/database for messages, never the password. */
export function describeTarget(options: {
  connectionString?: string | undefined;
  host?: string | undefined;
  port?: number | undefined;
  database?: string | undefined;
}): string {
  let { host, port, database } = options;
  if (options.connectionString) {
    try {
      const url = new URL(options.connectionString);
      host ??= decodeURIComponent(url.hostname) || undefined;
      port ??= url.port ? Number(url.port) : undefined;
      database ??= decodeURIComponent(url.pathname.slice(1)) || undefined;
    } catch {
      // Not a URL (a libpq key=value string): say nothing rather than echo a password.
    }
  }
  return `${host ?? 'localhost'}:${port ?? 5432}/${database ?? '(default database)'}`;
}
