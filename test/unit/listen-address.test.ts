/**
 * What a refused listen says (src/listen-address.ts): each system error the
 * listen can meet is one line naming the port and host and what to set. A
 * port that needs privileges is checked here on a made error, as the tests
 * may run as root, where port 80 is free to take; the other refusals are
 * also met for real (test/process/listen-address.test.ts for the commands).
 */
import { createServer } from 'node:net';
import t from 'tap';
import { ensureListenable, unusableAddress, UnusableAddressError } from '../../src/listen-address.ts';

/** A system error as Node makes it for a listen or its host name's lookup. */
const systemError = (code: string, syscall = 'listen'): Error => Object.assign(new Error(`${syscall} ${code}: made for the test`), { code, syscall });

const ANY_ADDRESS = 'set HOST to an address of this machine (127.0.0.1, or 0.0.0.0 for all)';

t.test('each refusal in one line: the port, the host, what to set', async (t) => {
  const cases = [
    ['EADDRINUSE', 'listen', 8080, '127.0.0.1', 'cannot listen on port 8080 on 127.0.0.1: it is in use (is another gridproof running?); set PORT or stop it'],
    ['EACCES', 'listen', 80, '0.0.0.0', 'cannot listen on port 80 on 0.0.0.0: this user may not listen on a port below 1024; set PORT to 1024 or above'],
    ['EACCES', 'listen', 8080, '0.0.0.0', 'cannot listen on port 8080 on 0.0.0.0: this user may not listen on it; set PORT to another port'],
    ['EPERM', 'listen', 443, '127.0.0.1', 'cannot listen on port 443 on 127.0.0.1: this user may not listen on a port below 1024; set PORT to 1024 or above'],
    [
      'EADDRNOTAVAIL',
      'listen',
      8080,
      '192.0.2.1',
      'cannot listen on port 8080 on 192.0.2.1: 192.0.2.1 is not an address of this machine; set HOST to one of its addresses (127.0.0.1, or 0.0.0.0 for all)',
    ],
    ['ENOTFOUND', 'getaddrinfo', 8080, 'gridproof.invalid', `cannot listen on port 8080 on gridproof.invalid: the host name does not resolve; ${ANY_ADDRESS}`],
    [
      'EAI_AGAIN',
      'getaddrinfo',
      8080,
      'gridproof.example',
      `cannot listen on port 8080 on gridproof.example: the name service did not answer for the host name; ${ANY_ADDRESS}`,
    ],
    [
      'EMFILE',
      'listen',
      8080,
      '127.0.0.1',
      'cannot listen on port 8080 on 127.0.0.1: listen EMFILE: made for the test; set HOST and PORT to an address of this machine and a port free on it',
    ],
  ] as const;
  for (const [code, syscall, port, host, line] of cases) {
    const cause = systemError(code, syscall);
    const error = unusableAddress(cause, port, host);
    t.ok(error instanceof UnusableAddressError, `${code}: an UnusableAddressError`);
    t.equal(error?.message, line, `${code} on port ${port}`);
    t.equal(error?.cause, cause, `${code}: the system's error is kept as the cause`);
  }
});

t.test('an error that is not the system refusing the address is left as it is', async (t) => {
  t.equal(unusableAddress(new Error('a defect'), 8080, '127.0.0.1'), undefined, 'no code');
  t.equal(unusableAddress(Object.assign(new Error('fastify'), { code: 'FST_ERR_X' }), 8080, '127.0.0.1'), undefined, 'a code but no system call');
  t.equal(unusableAddress(undefined, 8080, '127.0.0.1'), undefined, 'nothing thrown with it');
});

t.test('the probe meets what the listen would', async (t) => {
  const holder = createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  t.teardown(() => holder.close());
  const { port } = holder.address() as { port: number };
  await t.rejects(ensureListenable(port, '127.0.0.1'), { name: 'UnusableAddressError', message: /: it is in use/ }, 'a port in use');
  await t.rejects(
    ensureListenable(port, '192.0.2.1'),
    { name: 'UnusableAddressError', message: /192\.0\.2\.1 is not an address of this machine/ },
    'TEST-NET-1',
  );
  await t.rejects(ensureListenable(0, '192.0.2.1'), { name: 'UnusableAddressError' }, 'port 0 still checks the host');
  await t.resolves(ensureListenable(0, '127.0.0.1'), 'port 0 on this machine: the kernel picks a free one');
});
