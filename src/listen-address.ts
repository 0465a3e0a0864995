/**
 * The address a server listens on (HOST and PORT, README "Configuration").
 * `serve` and `demo` check it before they create the log, its keys or a
 * shown-once operator token (`witness` before its state directory): the
 * listen comes last, and a failure there used
 * to leave all of those behind, with a stack trace, for a service that never
 * answered. A port in use, a port that needs privileges, a HOST that is not
 * an address of this machine or a host name that does not resolve are each
 * one line naming the port and host and what to set, exit status 2 (README,
 * exit statuses). The listen itself turns the same failures into the same
 * error, for an address taken between the check and the listen.
 */
import { createServer } from 'node:net';
import type { FastifyInstance } from 'fastify';

export class UnusableAddressError extends Error {
  constructor(port: number, host: string, why: string, cause: unknown) {
    super(`cannot listen on port ${port} on ${host}: ${why}`, { cause });
    this.name = 'UnusableAddressError';
  }
}

const ANY_ADDRESS = 'set HOST to an address of this machine (127.0.0.1, or 0.0.0.0 for all)';

/**
 * Why the system would not let a server listen on port:host, and what to
 * set, by the error's code. Host-name codes are getaddrinfo's (Node's dns
 * errors: ENOTFOUND is EAI_NONAME); a port below 1024 needs privileges on
 * most systems (Linux: CAP_NET_BIND_SERVICE, net.ipv4.ip_unprivileged_port_start).
 */
function reasonOf(code: string, port: number, host: string, message: string): string {
  switch (code) {
    case 'EADDRINUSE':
      return 'it is in use (is another gridproof running?); set PORT or stop it';
    case 'EACCES':
    case 'EPERM':
      return port < 1024
        ? 'this user may not listen on a port below 1024; set PORT to 1024 or above'
        : 'this user may not listen on it; set PORT to another port';
    case 'EADDRNOTAVAIL':
      return `${host} is not an address of this machine; set HOST to one of its addresses (127.0.0.1, or 0.0.0.0 for all)`;
    case 'ENOTFOUND':
    case 'EAI_NONAME':
    case 'EAI_NODATA':
    case 'EAI_FAIL':
      return `the host name does not resolve; ${ANY_ADDRESS}`;
    case 'EAI_AGAIN':
      return `the name service did not answer for the host name; ${ANY_ADDRESS}`;
    default:
      return `${message}; set HOST and PORT to an address of this machine and a port free on it`;
  }
}

/**
 * The error a failed listen (or the host name's lookup before it) is as an
 * UnusableAddressError, or undefined when it is not the system's refusal of
 * the address: a system error carries a code and the call that failed.
 */
export function unusableAddress(error: unknown, port: number, host: string): UnusableAddressError | undefined {
  const { code, syscall, message } = (error ?? {}) as { code?: unknown; syscall?: unknown; message?: unknown };
  if (typeof code !== 'string' || typeof syscall !== 'string') return undefined;
  return new UnusableAddressError(port, host, reasonOf(code, port, host, String(message)), error);
}

/**
 * Resolves when host:port can be listened on now, by listening and closing
 * at once; rejects with UnusableAddressError for whatever the listen would
 * meet (port 0, the kernel's pick, still checks the host).
 */
export async function ensureListenable(port: number, host: string): Promise<void> {
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', (error) => reject(unusableAddress(error, port, host) ?? error));
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve()));
  });
}

/** app.listen, with the system's refusal of the address as UnusableAddressError. */
export async function listenOn(app: FastifyInstance, port: number, host: string): Promise<void> {
  try {
    await app.listen({ port, host });
  } catch (error) {
    throw unusableAddress(error, port, host) ?? error;
  }
}
