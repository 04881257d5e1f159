import type { Backend, Capabilities } from '../../src/backend/types.ts';

/**
 * Builds one fresh, isolated backend (own file / schema / prefix); `cleanup` closes it and
 * removes its storage. `sibling`, where instances can share storage, opens another instance on
 * the same storage (as another process would); the test closes it before `cleanup`.
 */
export type BackendFactory = () => Promise<{
  backend: Backend;
  cleanup: () => Promise<void>;
  sibling?: () => Backend;
}>;

/** What every contract area works with. */
export interface ContractContext {
  /** The current test's fresh, migrated backend (only valid inside a test). */
  readonly backend: Backend;
  /** What the backend under test declares it can do. */
  readonly capabilities: Capabilities;
  /** Another instance on the current test's storage, or null where instances share nothing. */
  sibling(): Backend | null;
}
