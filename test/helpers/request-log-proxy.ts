/**
 * A real HTTP proxy in front of a test's service that logs every request it
 * forwards (method and path), so a test can show what a command sent, or
 * that it sent nothing; `onRequest` runs before a request is forwarded.
 */
import { createServer, type Server } from 'node:http';
import type { Test } from 'tap';

export interface RequestLogProxy {
  /** The proxy's base URL. */
  url: string;
  /** "GET /v1/log/key", … in the order they came. */
  requests: string[];
}

export async function requestLogProxy(t: Test, target: string, onRequest: (request: string) => void = () => undefined): Promise<RequestLogProxy> {
  const requests: string[] = [];
  const proxy: Server = createServer((request, response) => {
    const seen = `${request.method} ${request.url}`;
    requests.push(seen);
    onRequest(seen);
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      void (async () => {
        const body = chunks.length > 0 ? Buffer.concat(chunks) : undefined;
        const headers: Record<string, string> = {};
        for (const name of ['authorization', 'content-type', 'accept']) {
          const value = request.headers[name];
          if (typeof value === 'string') headers[name] = value;
        }
        const upstream = await fetch(new URL(request.url!, target), { method: request.method!, headers, ...(body ? { body } : {}) });
        const answer: Record<string, string> = { 'content-type': upstream.headers.get('content-type') ?? 'application/octet-stream' };
        const retryAfter = upstream.headers.get('retry-after');
        if (retryAfter !== null) answer['retry-after'] = retryAfter;
        response.writeHead(upstream.status, answer);
        response.end(Buffer.from(await upstream.arrayBuffer()));
      })();
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    proxy.close();
    proxy.closeAllConnections();
  });
  const { port } = proxy.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, requests };
}
