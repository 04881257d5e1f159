/** Every runtime default in one place (Solid Queue's values unless said otherwise). */
export const RUNTIME_DEFAULTS = {
  worker: {
    queues: ['*'] as readonly string[],
    /** Async slots; Node runs I/O-bound jobs concurrently in one process cheaply. */
    threads: 10,
    processes: 1,
    pollingIntervalMs: 100,
    /** Qmonus's job_queue_bulk_read_size. */
    bulkReadSize: 32,
  },
  dispatcher: {
    pollingIntervalMs: 1000,
    batchSize: 500,
    concurrencyMaintenanceIntervalMs: 600_000,
    concurrencyMaintenance: true,
  },
  processHeartbeatIntervalMs: 60_000,
  processAliveThresholdMs: 300_000,
  shutdownTimeoutMs: 5000,
  clearFinishedJobsAfterMs: 86_400_000,
  clearFinishedIntervalMs: 3_600_000,
  pruneIntervalMs: 60_000,
};
