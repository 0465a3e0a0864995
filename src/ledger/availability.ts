/**
 * Whether an error means the database is out of reach (answered 503
 * unavailable, not 500), for the HTTP error mapping: routes never import db/.
 */
export { isDatabaseUnavailable } from '../db/resilient-pool.ts';
