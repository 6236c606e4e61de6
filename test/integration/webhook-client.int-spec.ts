import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeliveryError, WebhookClient, sendWebhook, verifyWebhookSignature } from '../../libs/notifications/src/channels';

const secret = 'secreto-de-prueba';
const failureOf = (p: Promise<unknown>): Promise<DeliveryError | null> => p.then(() => null, (e: DeliveryError) => e);
const listening = (server: { listen: (port: number, host: string, cb: () => void) => unknown; address: () => unknown }) =>
  new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));

/**
 * A receiver written at the socket level, to answer the way real servers sometimes do: `answer`
 * is called for each complete request with its index on that connection and returns the bytes
 * to write (and whether to close afterwards), or null to close without answering.
 */
async function rawReceiver(answer: (request: string, nth: number) => { bytes: string | Buffer; close?: boolean } | null) {
  const requests: string[] = [];
  let connections = 0;
  const sockets = new Set<Socket>();
  const server = createTcpServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let buffered = '';
    let nth = 0;
    socket.on('data', (data) => {
      buffered += data.toString('latin1');
      for (;;) {
        const end = buffered.indexOf('\r\n\r\n');
        if (end < 0) return;
        const length = Number(/\r\ncontent-length: (\d+)/i.exec(buffered.slice(0, end))?.[1] ?? 0);
        if (buffered.length < end + 4 + length) return;
        const request = buffered.slice(0, end + 4 + length);
        buffered = buffered.slice(request.length);
        requests.push(request);
        const reply = answer(request, nth++);
        if (!reply) return void socket.destroy();
        socket.write(reply.bytes);
        if (reply.close) socket.end();
      }
    });
  });
  const port = await listening(server);
  return {
    url: `http://127.0.0.1:${port}/hook?x=1`,
    requests,
    connections: () => connections,
    stop: () => {
      sockets.forEach((s) => s.destroy());
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

describe('WebhookClient against receivers that answer in every HTTP/1.1 way', () => {
  let client: WebhookClient;
  beforeEach(() => (client = new WebhookClient({ connectionsPerOrigin: 4 })));
  afterEach(() => client.close());
  const send = (url: string, id = 'n-1', timeoutMs = 2000) => sendWebhook({ url, secret, body: { hola: 'señal' }, notificationId: id, timeoutMs, client });

  it('writes a request a strict server parses, signed, with the path, query and Host', async () => {
    const server = createHttpServer((req, res) => {
      let raw = '';
      req.setEncoding('utf8');
      req.on('data', (c) => (raw += c));
      req.on('end', () => {
        seen.push({ url: req.url, host: req.headers.host, key: req.headers['idempotency-key'], valid: verifyWebhookSignature(secret, String(req.headers['govflow-signature']), raw), body: JSON.parse(raw) });
        res.writeHead(202).end();
      });
    });
    const seen: unknown[] = [];
    const port = await listening(server);
    try {
      expect(await send(`http://127.0.0.1:${port}/ruta/señal?a=1&b=ñ`, 'n-strict')).toMatchObject({ status: 202 });
      expect(seen).toEqual([{ url: '/ruta/se%C3%B1al?a=1&b=%C3%B1', host: `127.0.0.1:${port}`, key: 'n-strict', valid: true, body: { hola: 'señal' } }]);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('reads chunked answers with trailers and early hints, reusing one connection', async () => {
    const server = createHttpServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeEarlyHints({ link: '</estilo.css>; rel=preload' });
        res.writeHead(200, { 'Content-Type': 'text/plain', Trailer: 'X-Fin' });
        res.write('primera parte, ');
        setTimeout(() => {
          res.addTrailers({ 'X-Fin': 'listo' });
          res.end('segunda parte');
        }, 5);
      });
    });
    let connections = 0;
    server.on('connection', () => connections++);
    const port = await listening(server);
    try {
      for (let i = 0; i < 5; i++) expect(await send(`http://127.0.0.1:${port}/`, `n-${i}`)).toMatchObject({ status: 200 });
      expect(connections).toBe(1);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('takes an answer framed by closing the connection, and opens a new one for the next', async () => {
    const receiver = await rawReceiver(() => ({ bytes: 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nrecibido, sin longitud', close: true }));
    try {
      expect(await send(receiver.url, 'n-a')).toMatchObject({ status: 200 });
      expect(await send(receiver.url, 'n-b')).toMatchObject({ status: 200 });
      expect(receiver.connections()).toBe(2);
    } finally {
      await receiver.stop();
    }
  });

  it('sends once more, on a new connection, when a reused one turns out closed before any answer', async () => {
    // The receiver drops each connection on its second request without answering: the race of
    // a keep-alive connection the server closes just as the client reuses it.
    const receiver = await rawReceiver((_request, nth) => (nth === 0 ? { bytes: 'HTTP/1.1 204 No Content\r\n\r\n' } : null));
    try {
      expect(await send(receiver.url, 'n-first')).toMatchObject({ status: 204 });
      expect(await send(receiver.url, 'n-second')).toMatchObject({ status: 204 });
      const keys = receiver.requests.map((r) => /idempotency-key: (\S+)/i.exec(r)?.[1]);
      expect(keys).toEqual(['n-first', 'n-second', 'n-second']); // the repeat carries the same key
      expect(receiver.connections()).toBe(2);
    } finally {
      await receiver.stop();
    }
  });

  it('does not repeat a request a fresh connection lost: it fails, retryable', async () => {
    const receiver = await rawReceiver(() => null);
    try {
      const err = await failureOf(send(receiver.url, 'n-lost'));
      expect(err).toMatchObject({ retryable: true, message: 'webhook network error: ECONNRESET' });
      expect(receiver.requests).toHaveLength(1);
    } finally {
      await receiver.stop();
    }
  });

  it.each([
    ['a status line that is not HTTP', 'SMTP ready\r\n\r\n'],
    ['a header larger than 16 KiB', `HTTP/1.1 200 OK\r\nX-Relleno: ${'x'.repeat(20000)}\r\n\r\n`],
    ['two different lengths', 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab'],
  ])('refuses %s as a retryable failure and drops the connection', async (_what, bytes) => {
    const receiver = await rawReceiver(() => ({ bytes }));
    try {
      const err = await failureOf(send(receiver.url, 'n-bad'));
      expect(err).toBeInstanceOf(DeliveryError);
      expect(err).toMatchObject({ retryable: true, message: 'webhook network error: HPE_INVALID' });
      expect(await failureOf(send(receiver.url, 'n-bad-2'))).toMatchObject({ retryable: true });
      expect(receiver.connections()).toBe(2);
    } finally {
      await receiver.stop();
    }
  });

  it('keeps the status of an answer whose body never ends, without waiting for it', async () => {
    const body = Buffer.alloc(2 * 1024 * 1024, 'x');
    const receiver = await rawReceiver((request) =>
      request.includes('n-endless') ? { bytes: Buffer.concat([Buffer.from('HTTP/1.1 503 Service Unavailable\r\nContent-Length: 99999999\r\n\r\n'), body]) } : { bytes: 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n' },
    );
    try {
      const err = await failureOf(send(receiver.url, 'n-endless', 3000));
      expect(err).toMatchObject({ retryable: true, status: 503 });
      // The rest of that body is never read as the next answer: the next request gets a new connection.
      expect(await send(receiver.url, 'n-next')).toMatchObject({ status: 200 });
      expect(receiver.connections()).toBe(2);
    } finally {
      await receiver.stop();
    }
  });

  it('times out a request waiting for a connection, and the one that holds it, separately', async () => {
    const single = new WebhookClient({ connectionsPerOrigin: 1 });
    const receiver = await rawReceiver((request) => (request.includes('n-slow') ? { bytes: '' } : { bytes: 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n' }));
    try {
      const opts = { url: receiver.url, secret, body: {}, client: single };
      const slow = failureOf(sendWebhook({ ...opts, notificationId: 'n-slow', timeoutMs: 400 }));
      const waiting = failureOf(sendWebhook({ ...opts, notificationId: 'n-waiting', timeoutMs: 150 }));
      expect(await waiting).toMatchObject({ retryable: true, message: 'webhook timed out after 150 ms' });
      expect(await slow).toMatchObject({ retryable: true, message: 'webhook timed out after 400 ms' });
      // The waiting request never went out; the slow connection was dropped, a new one serves the next.
      expect(receiver.requests.some((r) => r.includes('n-waiting'))).toBe(false);
      expect(await sendWebhook({ ...opts, notificationId: 'n-after', timeoutMs: 2000 })).toMatchObject({ status: 200 });
      expect(receiver.connections()).toBe(2);
    } finally {
      single.close();
      await receiver.stop();
    }
  });
});

describe('WebhookClient over TLS', () => {
  let dir: string;
  let server: Server;
  let port: number;
  let ca: Buffer;
  const received: string[] = [];

  beforeAll(async () => {
    // A throwaway certificate for 127.0.0.1, made by openssl for this run.
    dir = mkdtempSync(join(tmpdir(), 'govflow-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    ca = readFileSync(join(dir, 'cert.pem'));
    server = createHttpsServer({ key: readFileSync(join(dir, 'key.pem')), cert: ca }, (req, res) => {
      let raw = '';
      req.setEncoding('utf8');
      req.on('data', (c) => (raw += c));
      req.on('end', () => {
        if (verifyWebhookSignature(secret, String(req.headers['govflow-signature']), raw)) received.push(String(req.headers['idempotency-key']));
        res.writeHead(200, { 'Content-Length': '2' }).end('ok');
      });
    });
    port = await listening(server);
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a receiver whose certificate it cannot verify, retryable, and sends nothing', async () => {
    const client = new WebhookClient();
    try {
      const err = await failureOf(sendWebhook({ url: `https://127.0.0.1:${port}/hook`, secret, body: {}, notificationId: 'n-untrusted', client }));
      expect(err).toMatchObject({ retryable: true, message: 'webhook network error: DEPTH_ZERO_SELF_SIGNED_CERT' });
      expect(received).not.toContain('n-untrusted');
    } finally {
      client.close();
    }
  });

  it('delivers signed requests to a trusted receiver over one connection', async () => {
    const client = new WebhookClient({ ca });
    let connections = 0;
    server.on('secureConnection', () => connections++);
    try {
      for (const id of ['n-tls-1', 'n-tls-2', 'n-tls-3']) {
        expect(await sendWebhook({ url: `https://127.0.0.1:${port}/hook`, secret, body: { id }, notificationId: id, client })).toMatchObject({ status: 200 });
      }
      expect(received).toEqual(['n-tls-1', 'n-tls-2', 'n-tls-3']);
      expect(connections).toBe(1);
    } finally {
      client.close();
    }
  });
});

describe('WebhookClient with GOVFLOW_WEBHOOK_PUBLIC_ONLY', () => {
  it('refuses, for good, receivers on this machine by address and by name, and opens no connection', async () => {
    const receiver = await rawReceiver(() => ({ bytes: 'HTTP/1.1 204 No Content\r\n\r\n' }));
    const guarded = new WebhookClient({ publicOnly: true });
    const open = new WebhookClient();
    const port = new URL(receiver.url).port;
    try {
      for (const url of [`http://127.0.0.1:${port}/hook`, `http://localhost:${port}/hook`, `https://localhost:${port}/hook`, `http://[::1]:${port}/hook`]) {
        const err = await failureOf(sendWebhook({ url, secret, body: {}, notificationId: 'n-private', client: guarded }));
        expect({ url, err }).toEqual({ url, err: expect.objectContaining({ retryable: false, message: 'the webhook host is not on a public address (GOVFLOW_WEBHOOK_PUBLIC_ONLY)' }) });
      }
      expect(receiver.connections()).toBe(0);
      // The same receiver without the option: delivered, so the refusal above is the option's.
      expect(await sendWebhook({ url: receiver.url, secret, body: {}, notificationId: 'n-open', client: open })).toMatchObject({ status: 204 });
    } finally {
      guarded.close();
      open.close();
      await receiver.stop();
    }
  });
});
