import { afterEach, beforeEach, describe } from 'vitest';
import type { Backend, Capabilities } from '../../src/backend/types.ts';
import { adminContract } from './admin.ts';
import { capabilitiesContract } from './capabilities.ts';
import { claimOrderContract } from './claim-order.ts';
import { concurrencyContract } from './concurrency.ts';
import { delaysContract } from './delays.ts';
import { enqueueContract } from './enqueue.ts';
import { expiryContract } from './expiry.ts';
import { failedContract } from './failed.ts';
import { leasesContract } from './leases.ts';
import { pauseContract } from './pause.ts';
import { processesContract } from './processes.ts';
import { queueLimitsContract } from './queue-limits.ts';
import { recurringContract } from './recurring.ts';
import { retentionContract } from './retention.ts';
import { serializedContract } from './serialized.ts';
import { tasksContract } from './tasks.ts';
import type { BackendFactory, ContractContext } from './types.ts';
import { uniqueContract } from './unique.ts';
import { wildcardsContract } from './wildcards.ts';

export type { BackendFactory, ContractContext } from './types.ts';

/**
 * THE backend contract: every backend runs this suite unchanged. Each test gets a fresh,
 * isolated, migrated backend from `factory` and cleans it up afterwards.
 */
export function describeBackendContract(
  name: string,
  factory: BackendFactory,
  capabilities: Capabilities,
): void {
  describe(`backend contract: ${name}`, () => {
    let current: Awaited<ReturnType<BackendFactory>> | undefined;

    beforeEach(async () => {
      current = await factory();
      await current.backend.migrate();
    });

    afterEach(async () => {
      const done = current;
      current = undefined;
      await done?.cleanup();
    });

    const ctx: ContractContext = {
      get backend(): Backend {
        if (!current) throw new Error('The contract backend is only available inside a test');
        return current.backend;
      },
      capabilities,
      sibling: () => current?.sibling?.() ?? null,
    };

    capabilitiesContract(ctx);
    enqueueContract(ctx);
    claimOrderContract(ctx);
    wildcardsContract(ctx);
    delaysContract(ctx);
    pauseContract(ctx);
    failedContract(ctx);
    leasesContract(ctx);
    processesContract(ctx);
    retentionContract(ctx);
    adminContract(ctx);
    recurringContract(ctx);
    concurrencyContract(ctx);
    uniqueContract(ctx);
    expiryContract(ctx);
    queueLimitsContract(ctx);
    tasksContract(ctx);
    serializedContract(ctx);
  });
}
