/**
 * Who makes a request: the participant a bearer token identifies and the
 * role it was registered with. Routes authenticate it; use cases decide with it.
 */
import type { Role } from '../domain/payloads.ts';

export interface Caller {
  id: string;
  role: Role;
}
