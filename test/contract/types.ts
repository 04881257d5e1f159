import type { Backend, Capabilities } from '../../src/backend/types.ts';

/** Builds one fresh, isolated backend (own file / schema / prefix); `cleanup` closes it and removes its storage. */
export type BackendFactory = () => Promise<{ backend: Backend; cleanup: () => Promise<void> }>;

/** What every contract area works with. */
export interface ContractContext {
  /** The current test's fresh, migrated backend (only valid inside a test). */
  readonly backend: Backend;
  /** What the backend under test declares it can do. */
  readonly capabilities: Capabilities;
}
