// The load generator of `npm run bench` (see runLoad in lib.ts). It runs in a
// worker thread so that building requests and parsing answers does not share
// the server's event loop, and it speaks HTTP/1.1 over plain keep-alive
// sockets: on this 2-core machine node:http's client costs about as much CPU
// per request as the server, and fetch several times more, so either would
// measure the client. Plain JavaScript because Node 20 does not carry tsx's
// loader into worker threads.
//
// workerData: { host, port, headers, clients: [[{method, path, body?}]],
//               expect: 'status' | 'entries', ratePerSecond? }
// Each client has its own connection and sends its requests one after
// another. Closed loop by default; with ratePerSecond, open loop: request j
// of client c is not sent before start + (j·C + c) / rate seconds.
import net from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';

const spec = workerData;
const clientCount = spec.clients.length;
const epochMs = () => performance.timeOrigin + performance.now();
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const CRLF2 = Buffer.from('\r\n\r\n');

/** One keep-alive connection; one request at a time. Understands Content-Length and chunked bodies. */
class Connection {
  #socket;
  #buffer = Buffer.alloc(0);
  #waiting;
  #ready;

  constructor() {
    this.#socket = net.connect({ host: spec.host, port: spec.port });
    this.#socket.setNoDelay(true);
    this.#ready = new Promise((resolve, reject) => {
      this.#socket.once('connect', resolve);
      this.#socket.once('error', reject);
    });
    this.#socket.on('data', (data) => {
      this.#buffer = this.#buffer.length === 0 ? data : Buffer.concat([this.#buffer, data]);
      this.#parse();
    });
    this.#socket.on('error', (error) => this.#waiting?.reject(error));
    this.#socket.on('close', () => this.#waiting?.reject(new Error('connection closed')));
  }

  async send(request) {
    await this.#ready;
    const body = request.body === undefined ? undefined : Buffer.from(request.body);
    let head = `${request.method} ${request.path} HTTP/1.1\r\nhost: ${spec.host}:${spec.port}\r\n`;
    for (const [name, value] of Object.entries(spec.headers)) head += `${name}: ${value}\r\n`;
    if (body) head += `content-type: application/json\r\ncontent-length: ${body.length}\r\n`;
    head += '\r\n';
    return new Promise((resolve, reject) => {
      this.#waiting = { resolve, reject };
      this.#socket.write(body ? Buffer.concat([Buffer.from(head), body]) : head);
    });
  }

  #parse() {
    const end = this.#buffer.indexOf(CRLF2);
    if (end < 0) return;
    const head = this.#buffer.subarray(0, end).toString('latin1');
    const status = Number(head.slice(9, 12));
    const length = /\r\ncontent-length: *(\d+)/i.exec(head);
    let body;
    let rest;
    if (length) {
      const total = end + 4 + Number(length[1]);
      if (this.#buffer.length < total) return;
      body = this.#buffer.subarray(end + 4, total);
      rest = this.#buffer.subarray(total);
    } else if (/\r\ntransfer-encoding: *chunked/i.test(head)) {
      const parts = [];
      let at = end + 4;
      for (;;) {
        const line = this.#buffer.indexOf('\r\n', at);
        if (line < 0) return;
        const size = parseInt(this.#buffer.subarray(at, line).toString('latin1'), 16);
        if (this.#buffer.length < line + 2 + size + 2) return;
        if (size === 0) {
          rest = this.#buffer.subarray(line + 4);
          break;
        }
        parts.push(this.#buffer.subarray(line + 2, line + 2 + size));
        at = line + 2 + size + 2;
      }
      body = Buffer.concat(parts);
    } else {
      this.#waiting?.reject(new Error(`answer without a length: ${head}`));
      return;
    }
    this.#buffer = rest.length === 0 ? Buffer.alloc(0) : Buffer.from(rest);
    const waiting = this.#waiting;
    this.#waiting = undefined;
    waiting?.resolve({ status, body: body.toString('utf8') });
  }

  close() {
    this.#socket.destroy();
  }
}

let requests = 0;
let ok = 0;
let accepted = 0;
let firstError;
const answers = spec.ratePerSecond ? [] : undefined;
/** Milliseconds from sending each request to its whole answer, in completion order. */
const latencies = [];

function judge(request, answer) {
  requests++;
  const at = epochMs();
  if (answer.status !== 200) {
    firstError ??= `${request.method} ${request.path}: HTTP ${answer.status} ${answer.body.slice(0, 300)}`;
    return;
  }
  if (spec.expect !== 'entries') {
    ok++;
    return;
  }
  const { results } = JSON.parse(answer.body);
  let good = true;
  for (const result of results) {
    if (result.error || result.duplicate) {
      good = false;
      firstError ??= `${request.path}: ${JSON.stringify(result)}`;
    } else accepted++;
  }
  if (good) ok++;
  if (answers && results[0] && typeof results[0].index === 'number') answers.push({ at, index: results[0].index });
}

const connections = spec.clients.map(() => new Connection());

async function client(c, list, t0) {
  const connection = connections[c];
  for (let j = 0; j < list.length; j++) {
    if (spec.ratePerSecond) {
      const due = t0 + ((j * clientCount + c) / spec.ratePerSecond) * 1000;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
    }
    const request = list[j];
    const sent = performance.now();
    const answer = await connection.send(request);
    latencies.push(performance.now() - sent);
    judge(request, answer);
  }
}

try {
  // Connect first, so the timing starts with every connection open.
  await Promise.all(connections.map((connection) => connection.send({ method: 'GET', path: '/healthz' })));
  const t0 = performance.now();
  await Promise.all(spec.clients.map((list, c) => client(c, list, t0)));
  const ms = performance.now() - t0;
  parentPort.postMessage({ ms, requests, ok, accepted, firstError, answers, latencies });
} finally {
  for (const connection of connections) connection.close();
}
