/**
 * Whether a use case failed because the store is unreachable, stalled or
 * restarting (docs/design.md §3), or rolled its transaction back to break a
 * deadlock with another (docs/api.md): the HTTP layer answers 503
 * `unavailable` and the caller tries again. Routes ask here, not the store itself.
 */
export { isConflictRollback as isStoreConflict, isDatabaseUnavailable as isStoreUnavailable } from '../db/resilient-pool.ts';
