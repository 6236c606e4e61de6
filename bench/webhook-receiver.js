// A loopback webhook receiver for the benchmarks, in its own process: answers 204 and records
// commit-to-delivery latency (now - body.createdAt). GET /stats returns the figures.
const http = require('node:http');
const seen = new Set();
let latencies = [];
let received = 0;
let first = 0;
let last = 0;
const server = http.createServer((req, res) => {
  if (req.method === 'GET') {
    const sorted = latencies.slice().sort((a, b) => a - b);
    const q = (p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] : 0);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ received, unique: seen.size, first, last, p50: q(0.5), p99: q(0.99), max: sorted[sorted.length - 1] ?? 0 }));
    if (req.url === '/reset') (latencies = []), (received = 0), seen.clear(), (first = 0), (last = 0);
    return;
  }
  let raw = '';
  req.setEncoding('utf8');
  req.on('data', (c) => (raw += c));
  req.on('end', () => {
    const now = Date.now();
    const body = JSON.parse(raw);
    received++;
    seen.add(req.headers['idempotency-key']);
    latencies.push(now - Date.parse(body.createdAt));
    if (!first) first = now;
    last = now;
    res.writeHead(204).end();
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: server.address().port })));
