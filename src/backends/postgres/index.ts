import type { Backend } from '../../backend/types.ts';
import { InvalidInputError } from '../../errors.ts';
import { SqlBackend } from '../sql/backend.ts';
import { postgresDialect, postgresTables, readyChannel, taskChannel } from './dialect.ts';
import { type PostgresConnectionOptions, PostgresDriver } from './driver.ts';
import { GrowthAnalyzer } from './growth-analyzer.ts';
import { migratePostgres, postgresMigrationScript } from './migrate.ts';
import { asQueryable } from './transaction.ts';

export type { PostgresConnectionOptions } from './driver.ts';
export {
  type DrizzleTransactionLike,
  drizzleTransaction,
  type KnexTransactionLike,
  type KyselyTransactionLike,
  knexTransaction,
  kyselyTransaction,
  type PostgresStatement,
  type PostgresTransaction,
} from './transaction.ts';

export interface PostgresBackendOptions extends PostgresConnectionOptions {
  /** Schema holding Shigoto's tables; created by migrate(). Default "shigoto". */
  readonly schema?: string;
  /** Most connections this process opens. Default 10. */
  readonly poolSize?: number;
  /** How long to wait for a new connection before failing with BackendUnavailableError. Default 10 s. */
  readonly connectTimeoutMs?: number;
  /**
   * How long a statement may go unanswered before its connection is closed and the call fails
   * with BackendUnavailableError (a connection dropped without a word). Default 60 s; migrations
   * have none.
   */
  readonly queryTimeoutMs?: number;
  /** Delete finished jobs at once instead of keeping them for the retention time. Default false. */
  readonly deleteFinished?: boolean;
}

export const POSTGRES_DEFAULTS = {
  schema: 'shigoto',
  poolSize: 10,
  connectTimeoutMs: 10_000,
  queryTimeoutMs: 60_000,
};

/** The schema name becomes an identifier in every statement, so only plain lowercase names pass. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export const SCHEMA_NAME_RULE =
  'a lowercase letter or _, then up to 62 lowercase letters, digits and _ (not starting with pg_, which PostgreSQL reserves)';

export function isValidSchemaName(schema: unknown): schema is string {
  return typeof schema === 'string' && SCHEMA_NAME.test(schema) && !schema.startsWith('pg_');
}

export function validSchemaName(schema: unknown): string {
  if (!isValidSchemaName(schema)) {
    throw new InvalidInputError(
      `Invalid PostgreSQL schema name ${JSON.stringify(schema)}: expected ${SCHEMA_NAME_RULE}`,
    );
  }
  return schema;
}

function positiveInt(value: number, what: string): number {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new InvalidInputError(`${what} must be a positive whole number, got ${value}`);
  }
  return value;
}

/** The production backend: many workers on many hosts share one PostgreSQL database. */
export function postgresBackend(options: PostgresBackendOptions = {}): Backend {
  const schema = validSchemaName(options.schema ?? POSTGRES_DEFAULTS.schema);
  const tables = postgresTables(schema);
  const driver = new PostgresDriver({
    ...options,
    poolSize: positiveInt(options.poolSize ?? POSTGRES_DEFAULTS.poolSize, 'poolSize'),
    connectTimeoutMs: positiveInt(
      options.connectTimeoutMs ?? POSTGRES_DEFAULTS.connectTimeoutMs,
      'connectTimeoutMs',
    ),
    queryTimeoutMs: positiveInt(options.queryTimeoutMs ?? POSTGRES_DEFAULTS.queryTimeoutMs, 'queryTimeoutMs'),
  });
  const channel = readyChannel(schema);
  const analyzer = new GrowthAnalyzer(driver, [
    tables.jobs,
    tables.ready,
    tables.scheduled,
    tables.failed,
    tables.tasks,
    tables.blocked,
    tables.slots,
    tables.uniques,
    tables.serialWaiting,
  ]);
  driver.awaitBeforeClose(() => analyzer.close());
  return new SqlBackend({
    name: 'postgres',
    capabilities: { multiProcess: true, crossProcessWakeups: true, transactionalEnqueue: true },
    context: {
      driver,
      d: postgresDialect(tables, channel),
      t: tables,
      jobsStored: (count) => analyzer.stored(count),
    },
    migrate: () => migratePostgres(driver, schema),
    deleteFinished: options.deleteFinished ?? false,
    listen: (onQueues, onError) => driver.listen(channel, onQueues, onError),
    listenTasks: (onTasks, onError) => driver.listen(taskChannel(schema), onTasks, onError),
    transactionExecutor: (transaction) => driver.on(asQueryable(transaction)),
  });
}

/** The SQL migrate() runs, for teams who migrate by hand (`shigoto migrate --print`). */
export function postgresMigrationSql(options: { schema?: string } = {}): string {
  return postgresMigrationScript(validSchemaName(options.schema ?? POSTGRES_DEFAULTS.schema));
}
