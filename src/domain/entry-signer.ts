/**
 * Which key must sign an entry (docs/design.md §2.2): the log key
 * signs every operator `key` entry (entry 0, and each rotation after it), so
 * a stolen or lost operator key cannot name its own successor; a device key
 * signs readings; the operator key in force signs everything else. Intake,
 * the bundle verifier and the monitor all ask this one function.
 */
import type { Payload } from './payloads.ts';

export type EntrySigner = 'log' | 'device' | 'operator';

export function entrySigner(payload: Payload): EntrySigner {
  if (payload.kind === 'key' && payload.subjectType === 'operator') return 'log';
  if (payload.kind === 'reading') return 'device';
  return 'operator';
}
