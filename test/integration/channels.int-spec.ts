import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerEnvelope, type SMTPServerError } from 'smtp-server';
import type { Pool } from 'pg';
import type { GovflowConfig } from '../../libs/config/src';
import { DeliveryService } from '../../libs/notifications/src/delivery.service';
import { DeliveryError, EmailSender, WebhookClient, isAllowedWebhookUrl, sendWebhook, signWebhook, verifyWebhookSignature } from '../../libs/notifications/src/channels';

/** Resolves to the rejection (or null), so that its fields can be asserted. */
const failureOf = (p: Promise<unknown>): Promise<DeliveryError | null> => p.then(() => null, (e: DeliveryError) => e);

/** A port nothing listens on: bind one, then close it. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  rawBody: string;
}

/** A loopback receiver whose answer depends on the path. */
function startReceiver(): Promise<{ server: Server; base: string; received: Received[]; connections: () => number }> {
  const received: Received[] = [];
  let connections = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, rawBody: Buffer.concat(chunks).toString('utf8') });
      const path = (req.url ?? '').split('?')[0];
      if (path === '/hang') return; // never answers
      if (path === '/500') return void res.writeHead(500).end('boom');
      if (path === '/400') return void res.writeHead(400).end('bad');
      if (path === '/429') return void res.writeHead(429).end();
      if (path === '/302') return void res.writeHead(302, { Location: '/ok' }).end();
      res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok');
    });
  });
  server.on('connection', () => connections++);
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ server, base: `http://127.0.0.1:${port}`, received, connections: () => connections });
    }),
  );
}

function stopReceiver(server: Server): Promise<void> {
  server.closeAllConnections(); // includes the keep-alive sockets of the sender and the hanging request
  return new Promise((r) => server.close(() => r()));
}

describe('webhook signature', () => {
  it('matches an independently computed HMAC-SHA256 (openssl dgst -sha256 -hmac)', () => {
    const body = '{"tipo":"plan.enviado","mensaje":"revisión"}';
    expect(signWebhook('clave-secreta-ñ', 1700000000, body)).toBe('t=1700000000,v1=c9e1cef9f92bce69e1e9ff7c369ba56b80e7bb2e0145392249993e280bb9048f');
  });

  it('verifies within the tolerance only, and rejects malformed headers', () => {
    const body = '{"a":1}';
    const header = signWebhook('s', 1700000000, body);
    expect(verifyWebhookSignature('s', header, body, 300, 1700000000_000)).toBe(true);
    expect(verifyWebhookSignature('s', header, body, 300, 1700000300_000)).toBe(true);
    expect(verifyWebhookSignature('s', header, body, 300, 1700000301_000)).toBe(false);
    expect(verifyWebhookSignature('s', header, body, 300, 1699999699_000)).toBe(false);
    expect(verifyWebhookSignature('s', header, body)).toBe(false); // 2023 is long past
    const flipped = header.slice(0, -1) + (header.endsWith('0') ? '1' : '0');
    expect(verifyWebhookSignature('s', flipped, body, 300, 1700000000_000)).toBe(false);
    expect(verifyWebhookSignature('s', `v1=${'0'.repeat(64)},${header}`, body, 300, 1700000000_000)).toBe(true); // rotation: any v1 may match
    expect(verifyWebhookSignature('s', 't=1700000000', body, 300, 1700000000_000)).toBe(false);
    expect(verifyWebhookSignature('s', '', body, 300, 1700000000_000)).toBe(false);
    expect(verifyWebhookSignature('s', `${header},t=1700000000`, body, 300, 1700000000_000)).toBe(false);
  });
});

describe('sendWebhook to a loopback receiver', () => {
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  const secret = 'webhook-secret-ñ';

  beforeAll(async () => {
    receiver = await startReceiver();
  });
  afterAll(() => stopReceiver(receiver.server));
  beforeEach(() => receiver.received.splice(0));

  it('delivers once, signed over the raw body, with the idempotency key', async () => {
    const body = { type: 'plan.submitted', planId: 'p-1', message: 'Plan enviado a revisión técnica — Transformación Digital' };
    const result = await sendWebhook({ url: `${receiver.base}/ok`, secret, body, notificationId: 'n-123', timeoutMs: 2000 });

    expect(result.status).toBe(200);
    expect(result.ms).toBeGreaterThan(0);
    expect(receiver.received).toHaveLength(1);
    const [got] = receiver.received;
    expect(got.method).toBe('POST');
    expect(got.headers['content-type']).toBe('application/json');
    expect(got.headers['idempotency-key']).toBe('n-123');
    expect(got.headers['user-agent']).toBe('govflow-webhook/1');
    expect(JSON.parse(got.rawBody)).toEqual(body);

    const header = got.headers['govflow-signature'] as string;
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(Math.abs(Number(header.slice(2, header.indexOf(','))) - Date.now() / 1000)).toBeLessThan(5);
    expect(verifyWebhookSignature(secret, header, got.rawBody)).toBe(true);
    expect(verifyWebhookSignature(secret, header, got.rawBody.replace('p-1', 'p-2'))).toBe(false);
    expect(verifyWebhookSignature('another-secret', header, got.rawBody)).toBe(false);
  });

  it('signs with the injected clock', async () => {
    await sendWebhook({ url: `${receiver.base}/ok`, secret, body: { x: 1 }, notificationId: 'n-clock', now: () => 1700000000_999 });
    const header = receiver.received[0].headers['govflow-signature'] as string;
    expect(header.startsWith('t=1700000000,')).toBe(true);
    expect(verifyWebhookSignature(secret, header, receiver.received[0].rawBody, 300, 1700000000_999)).toBe(true);
  });

  it('reuses one keep-alive connection for sequential deliveries', async () => {
    const before = receiver.connections();
    for (let i = 0; i < 20; i++) {
      await sendWebhook({ url: `${receiver.base}/ok`, secret, body: { i }, notificationId: `n-${i}` });
    }
    expect(receiver.connections() - before).toBeLessThanOrEqual(1);
    expect(receiver.received).toHaveLength(20);
  });

  it.each([
    ['/500', true, 500],
    ['/429', true, 429],
    ['/400', false, 400],
    ['/302', false, 302],
  ])('%s -> DeliveryError retryable=%s', async (path, retryable, status) => {
    const err = await failureOf(sendWebhook({ url: `${receiver.base}${path}?token=url-token-xyz`, secret, body: {}, notificationId: 'n-err' }));
    expect(err).toBeInstanceOf(DeliveryError);
    expect(err).toMatchObject({ retryable, status });
    // Neither the webhook secret nor the URL (which may hold a token) appear in the message.
    expect(err?.message).not.toMatch(/url-token-xyz|webhook-secret/);
    expect(receiver.received).toHaveLength(1); // a 302 is not followed
  });

  it('times out a receiver that never answers, as retryable', async () => {
    const started = Date.now();
    const err = await failureOf(sendWebhook({ url: `${receiver.base}/hang`, secret, body: {}, notificationId: 'n-hang', timeoutMs: 300 }));
    const elapsed = Date.now() - started;
    expect(err).toBeInstanceOf(DeliveryError);
    expect(err).toMatchObject({ retryable: true, status: undefined });
    expect(err?.message).toMatch(/timed out after 300 ms/);
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(1500);
  });

  it('treats a refused connection as retryable and an unsupported scheme as not', async () => {
    const refused = await failureOf(sendWebhook({ url: `http://127.0.0.1:${await closedPort()}/x`, secret, body: {}, notificationId: 'n' }));
    expect(refused).toMatchObject({ retryable: true, message: 'webhook network error: ECONNREFUSED' });
    const ftp = await failureOf(sendWebhook({ url: 'ftp://example.org/x', secret, body: {}, notificationId: 'n' }));
    expect(ftp).toMatchObject({ retryable: false });
  });

  it('measures throughput with 64 in flight (printed, not asserted)', async () => {
    const bench = await startReceiver();
    try {
      const url = `${bench.base}/ok`;
      const body = { type: 'task.assigned', taskId: '5f0c1b9e-9d7a-4b8e-9c1a-2f4f7d1e6a10', message: 'Tarea asignada a su institución' };
      let delivered = 0;
      const started = performance.now();
      const deadline = started + 2000;
      await Promise.all(
        Array.from({ length: 64 }, async () => {
          while (performance.now() < deadline) {
            await sendWebhook({ url, secret, body, notificationId: `bench-${delivered}` });
            delivered++;
          }
        }),
      );
      const seconds = (performance.now() - started) / 1000;
      // eslint-disable-next-line no-console
      console.log(`webhooks/s with 64 in flight (sender and receiver in one process): ${Math.round(delivered / seconds)} over ${bench.connections()} connections`);
      expect(bench.received).toHaveLength(delivered);
      expect(bench.connections()).toBeLessThanOrEqual(64);
    } finally {
      await stopReceiver(bench.server);
    }
  });

  it('opens at most the configured connections to one receiver; the rest wait their turn', async () => {
    const client = new WebhookClient({ connectionsPerOrigin: 3 });
    const before = receiver.connections();
    try {
      await Promise.all(Array.from({ length: 30 }, (_, i) => sendWebhook({ url: `${receiver.base}/ok`, secret, body: { i }, notificationId: `n-cap-${i}`, client })));
    } finally {
      client.close();
    }
    expect(receiver.received).toHaveLength(30);
    expect(new Set(receiver.received.map((r) => r.headers['idempotency-key'])).size).toBe(30);
    expect(receiver.connections() - before).toBe(3);
  });
});

describe('DeliveryService at send time', () => {
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  beforeAll(async () => {
    receiver = await startReceiver();
  });
  afterAll(() => stopReceiver(receiver.server));

  // send() talks to the channel only; the pool is for reading and recording, not used here.
  const service = (allowedHosts?: string[]) =>
    new DeliveryService({} as Pool, {
      notifications: { webhookAllowedHosts: allowedHosts, webhookTimeoutMs: 2000, webhookConnections: 4, mailFrom: 'govflow <no-reply@govflow.local>' },
    } as GovflowConfig);
  const parcel = (url: string) =>
    ({ id: 'o-1', channel: 'webhook', notification_id: 'n-allow', entity: 'GAE', type: 'plan.submitted', mesa: 'M', plan_id: null, task_id: null,
       message_es: 'Plan enviado', message_en: 'Plan submitted', subject_es: 'Plan enviado', created_at: new Date(), email: null,
       webhook_url: url, webhook_secret: 'secret' }) as Parameters<DeliveryService['send']>[0];

  it('refuses, for good, a webhook whose host the allowlist no longer admits, and sends nothing', async () => {
    const narrowed = service(['hooks.gob.gt']);
    const err = await failureOf(narrowed.send(parcel(`${receiver.base}/ok`)));
    narrowed.onApplicationShutdown();
    expect(err).toBeInstanceOf(DeliveryError);
    expect(err).toMatchObject({ retryable: false });
    expect(err?.message).toMatch(/GOVFLOW_WEBHOOK_ALLOWED_HOSTS/);
    expect(receiver.received).toHaveLength(0);

    const admitted = service(['127.0.0.1']);
    await admitted.send(parcel(`${receiver.base}/ok`));
    admitted.onApplicationShutdown();
    expect(receiver.received).toHaveLength(1);
  });
});

describe('isAllowedWebhookUrl', () => {
  it.each([
    ['https://hooks.example.org/x', undefined, true],
    ['http://10.0.0.5:8080/x', [], true],
    ['ftp://hooks.example.org/x', undefined, false],
    ['javascript:alert(1)', undefined, false],
    ['not a url', undefined, false],
    ['https://api.gob.gt/hook', ['api.gob.gt'], true],
    ['https://API.Gob.GT./hook', ['api.gob.gt'], true],
    ['https://other.gob.gt/hook', ['api.gob.gt'], false],
    ['https://api.mingob.gob.gt/hook', ['.gob.gt'], true],
    ['https://gob.gt/hook', ['.gob.gt'], false],
    ['https://evilgob.gt/hook', ['.gob.gt'], false],
    ['https://gob.gt.evil.com/hook', ['.gob.gt'], false],
    ['https://api.gob.gt@evil.com/hook', ['.gob.gt', 'api.gob.gt'], false],
    ['https://evil.com/?h=api.gob.gt', ['.gob.gt'], false],
    ['https://receptor.example.org/hook', ['.gob.gt', 'receptor.example.org'], true],
    ['https://münchen.example/hook', ['münchen.example'], true],
  ])('%s with %j -> %s', (url, allowed, expected) => {
    expect(isAllowedWebhookUrl(url, allowed)).toBe(expected);
  });
});

/** Decodes RFC 2047 encoded words; adjacent words are joined as bytes (a character may span two). */
function decodeHeader(value: string): string {
  const word = /=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g;
  return value.replace(/=\?[^?]+\?[BbQq]\?[^?]*\?=(?:\s+=\?[^?]+\?[BbQq]\?[^?]*\?=)*/g, (run) =>
    Buffer.concat(
      [...run.matchAll(word)].map(([, charset, enc, text]) => {
        expect(charset.toLowerCase()).toBe('utf-8');
        return enc.toUpperCase() === 'B' ? Buffer.from(text, 'base64') : qpBytes(text.replace(/_/g, ' '));
      }),
    ).toString('utf8'),
  );
}

function qpBytes(text: string): Buffer {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) {
      bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(text.charCodeAt(i));
    }
  }
  return Buffer.from(bytes);
}

/** Splits a single-part message into unfolded headers (lowercase names) and its decoded body. */
function parseMessage(raw: string): { headers: Record<string, string>; body: string } {
  const split = raw.indexOf('\r\n\r\n');
  const headers: Record<string, string> = {};
  for (const line of raw.slice(0, split).replace(/\r\n(?=[ \t])/g, '').split('\r\n')) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  let body = raw.slice(split + 4);
  const encoding = (headers['content-transfer-encoding'] ?? '7bit').toLowerCase();
  if (encoding === 'quoted-printable') body = qpBytes(body.replace(/=\r\n/g, '')).toString('utf8');
  else if (encoding === 'base64') body = Buffer.from(body, 'base64').toString('utf8');
  return { headers, body };
}

describe('EmailSender to an in-process SMTP server', () => {
  let server: SMTPServer;
  let port: number;
  const inbox: { envelope: SMTPServerEnvelope; raw: string }[] = [];

  beforeAll(async () => {
    server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onRcptTo(address, _session, callback) {
        const reply = /^(?:reject|defer)(\d{3})@/.exec(address.address);
        if (!reply) return callback();
        const err: SMTPServerError = new Error(reply[1] === '550' ? 'No such user here' : 'Try again later');
        err.responseCode = Number(reply[1]);
        callback(err);
      },
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          inbox.push({ envelope: structuredClone(session.envelope), raw: Buffer.concat(chunks).toString('latin1') });
          callback();
        });
      },
    });
    const listening = server.listen(0, '127.0.0.1');
    await new Promise((r) => listening.once('listening', r));
    port = (listening.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('delivers a UTF-8 Spanish message with the notification header', async () => {
    const sender = new EmailSender({ smtpUrl: `smtp://127.0.0.1:${port}`, from: 'govflow@plataforma.gob.gt' });
    const subject = 'Plan enviado a revisión técnica — Transformación Digital';
    const text = 'Estimada Dirección de Planificación: el plan «Transformación Digital» espera su revisión. Acción: señalar observaciones antes del miércoles.';
    try {
      await sender.send({ to: 'revisora@mingob.gob.gt', subject, text, notificationId: 'n-mail-1' });
    } finally {
      sender.close();
    }

    expect(inbox).toHaveLength(1);
    const { envelope, raw } = inbox[0];
    expect(envelope.mailFrom && envelope.mailFrom.address).toBe('govflow@plataforma.gob.gt');
    expect(envelope.rcptTo.map((r) => r.address)).toEqual(['revisora@mingob.gob.gt']);
    const { headers, body } = parseMessage(raw);
    expect(headers['x-govflow-notification']).toBe('n-mail-1');
    expect(headers['subject']).toMatch(/^=\?utf-8\?/i); // encoded on the wire, not raw 8-bit
    expect(decodeHeader(headers['subject'])).toBe(subject);
    expect(headers['content-type']).toMatch(/^text\/plain; charset=utf-8$/i);
    expect(body.trim()).toBe(text);
  });

  it.each([
    ['reject550@mingob.gob.gt', false, 550],
    ['defer451@mingob.gob.gt', true, 451],
  ])('a recipient refused for %s -> retryable=%s', async (to, retryable, status) => {
    const sender = new EmailSender({ smtpUrl: `smtp://127.0.0.1:${port}`, from: 'govflow@plataforma.gob.gt' });
    try {
      const err = await failureOf(sender.send({ to, subject: 'Aviso', text: 'Hola', notificationId: 'n-mail-err' }));
      expect(err).toBeInstanceOf(DeliveryError);
      expect(err).toMatchObject({ retryable, status });
      expect(err?.message).toContain(String(status));
    } finally {
      sender.close();
    }
  });

  it('treats a refused connection as retryable and keeps the password out of the message', async () => {
    const sender = new EmailSender({ smtpUrl: `smtp://mailer:p%40ss-s3cr3t@127.0.0.1:${await closedPort()}`, from: 'govflow@plataforma.gob.gt' });
    try {
      const err = await failureOf(sender.send({ to: 'x@mingob.gob.gt', subject: 'Aviso', text: 'Hola', notificationId: 'n' }));
      expect(err).toBeInstanceOf(DeliveryError);
      expect(err).toMatchObject({ retryable: true, status: undefined });
      expect(err?.message).not.toMatch(/s3cr3t|mailer/);
    } finally {
      sender.close();
    }
  });
});
