/**
 * A port another process listens on. `serve` and `demo` check it before they
 * create the log, its keys or a shown-once operator token: the listen comes
 * last, and a failure there used to leave all of those behind for a service
 * that never answered. The error is one line, exit status 2 (README, exit
 * statuses); the listen itself turns the same failure into the same error,
 * for a port taken between the check and the listen.
 */
import { createServer } from 'node:net';
import type { FastifyInstance } from 'fastify';

export class PortInUseError extends Error {
  constructor(port: number, host: string) {
    super(`port ${port} on ${host} is in use (is another gridproof running?); set PORT or stop it`);
    this.name = 'PortInUseError';
  }
}

const inUse = (error: unknown): boolean => (error as { code?: unknown } | null)?.code === 'EADDRINUSE';

/**
 * Resolves when host:port can be listened on now, by listening and closing
 * at once; rejects with PortInUseError when another socket holds it. Port 0
 * (the kernel picks) is always free. Other failures (a host not of this
 * machine, a port that needs privileges) are left to the listen to report.
 */
export async function ensurePortFree(port: number, host: string): Promise<void> {
  if (port === 0) return;
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', (error) => (inUse(error) ? reject(new PortInUseError(port, host)) : resolve()));
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve()));
  });
}

/** app.listen, with an address in use as PortInUseError. */
export async function listenOn(app: FastifyInstance, port: number, host: string): Promise<void> {
  try {
    await app.listen({ port, host });
  } catch (error) {
    throw inUse(error) ? new PortInUseError(port, host) : error;
  }
}
