/**
 * Whether a use case failed because the store is unreachable, stalled or
 * restarting (docs/design.md §3): the HTTP layer answers 503 `unavailable`
 * and the caller tries again. Routes ask here, not the store itself.
 */
export { isDatabaseUnavailable as isStoreUnavailable } from '../db/resilient-pool.ts';
