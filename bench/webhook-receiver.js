// A loopback webhook receiver for the benchmarks, in its own process: answers 204 and records
// commit-to-delivery latency (now - body.createdAt). GET /stats returns the figures, GET /reset
// returns them and starts over.
//
// It stands in for an institution's server, which in production runs on another machine. Here it
// shares the two cores with the pipeline it measures, so it is kept lean: a plain TCP server that
// reads HTTP/1.1 requests framed by Content-Length (as govflow sends them; anything else is
// answered 400 and the connection closed), pipelined or not, and answers each in order, the
// answers to one read written together. node:http cost about twice its CPU per request (see
// BENCHMARKS.md, Notifications).
const net = require('node:net');

const seen = new Set();
let latencies = [];
let received = 0;
let first = 0;
let last = 0;

const NO_CONTENT = Buffer.from('HTTP/1.1 204 No Content\r\n\r\n');
const BAD_REQUEST = Buffer.from('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
const MAX_HEAD = 16 * 1024;

function stats(url) {
  const sorted = latencies.slice().sort((a, b) => a - b);
  const q = (p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] : 0);
  const body = JSON.stringify({ received, unique: seen.size, first, last, p50: q(0.5), p99: q(0.99), max: sorted[sorted.length - 1] ?? 0 });
  if (url === '/reset') (latencies = []), (received = 0), seen.clear(), (first = 0), (last = 0);
  return Buffer.from(`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
}

/** One request's head: method, target and the two headers this receiver needs; undefined when malformed. */
function parseHead(text) {
  const lines = text.split('\r\n');
  const [method, url, version] = lines[0].split(' ');
  if (!method || !url || !/^HTTP\/1\.[01]$/.test(version ?? '')) return undefined;
  const head = { method, url, length: 0, key: undefined };
  for (let i = 1; i < lines.length; i++) {
    const colon = lines[i].indexOf(':');
    if (colon <= 0) return undefined;
    const name = lines[i].slice(0, colon).toLowerCase();
    const value = lines[i].slice(colon + 1).trim();
    if (name === 'content-length') {
      if (!/^\d+$/.test(value)) return undefined;
      head.length = Number(value);
    } else if (name === 'transfer-encoding') return undefined;
    else if (name === 'idempotency-key') head.key = value;
  }
  return head;
}

const server = net.createServer((socket) => {
  socket.setNoDelay(true);
  let buffer = Buffer.alloc(0);
  let head; // the request whose body is awaited
  let closed = false;
  socket.on('data', (bytes) => {
    if (closed) return;
    buffer = buffer.length ? Buffer.concat([buffer, bytes]) : bytes;
    const answers = [];
    for (;;) {
      if (!head) {
        const end = buffer.indexOf('\r\n\r\n');
        if (end < 0) {
          if (buffer.length > MAX_HEAD) answers.push(BAD_REQUEST);
          break;
        }
        head = parseHead(buffer.toString('latin1', 0, end));
        buffer = buffer.subarray(end + 4);
        if (!head) {
          answers.push(BAD_REQUEST);
          break;
        }
      }
      if (buffer.length < head.length) break;
      const body = buffer.toString('utf8', 0, head.length);
      buffer = buffer.subarray(head.length);
      const { method, url, key } = head;
      head = undefined;
      if (method === 'GET') {
        answers.push(stats(url));
        continue;
      }
      const now = Date.now();
      received++;
      seen.add(key);
      latencies.push(now - Date.parse(JSON.parse(body).createdAt));
      if (!first) first = now;
      last = now;
      answers.push(NO_CONTENT);
    }
    if (answers.length === 0) return;
    const closing = answers[answers.length - 1] === BAD_REQUEST;
    socket.write(answers.length === 1 ? answers[0] : Buffer.concat(answers));
    if (closing) (closed = true), socket.end();
  });
  socket.on('error', () => undefined);
});
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: server.address().port })));
