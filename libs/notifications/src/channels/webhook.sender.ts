import { createHmac, timingSafeEqual } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { domainToASCII } from 'node:url';
import { DeliveryError } from './delivery-error';
import { NOT_PUBLIC, WebhookClient } from './webhook.client';

const SIGNATURE_VERSION = 'v1';

function hmacHex(secret: string, timestamp: number, rawBody: string): string {
  return createHmac('sha256', Buffer.from(secret, 'utf8')).update(`${timestamp}.${rawBody}`, 'utf8').digest('hex');
}

/** `Govflow-Signature` header value: `t=<unix seconds>,v1=<hex HMAC-SHA256 over "<t>.<raw body>">`. */
export function signWebhook(secret: string, timestamp: number, rawBody: string): string {
  return `t=${timestamp},${SIGNATURE_VERSION}=${hmacHex(secret, timestamp, rawBody)}`;
}

/**
 * Receiver side of signWebhook. Accepts several v1 entries (a sender rotating secrets may sign
 * twice); rejects a timestamp further than `toleranceSeconds` from `now` (ms) to limit replays.
 */
export function verifyWebhookSignature(secret: string, header: string, rawBody: string, toleranceSeconds = 300, now = Date.now()): boolean {
  let timestamp: number | undefined;
  const candidates: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't') {
      if (timestamp !== undefined || !/^\d{1,12}$/.test(value)) return false; // duplicate or malformed
      timestamp = Number(value);
    } else if (key === SIGNATURE_VERSION && /^[0-9a-f]{64}$/.test(value)) {
      candidates.push(value);
    }
  }
  if (timestamp === undefined || Math.abs(now / 1000 - timestamp) > toleranceSeconds) return false;
  const expected = Buffer.from(hmacHex(secret, timestamp, rawBody), 'hex');
  // Constant-time per candidate; both sides are 32 bytes (checked by the regex above).
  return candidates.some((c) => timingSafeEqual(Buffer.from(c, 'hex'), expected));
}

/**
 * Only http(s). With a non-empty allowlist the hostname must equal an entry, or, for an entry
 * starting with '.', be a subdomain of it ('.gob.gt' admits 'api.mingob.gob.gt', not 'gob.gt').
 * This is a name check only: it does not stop a listed name from resolving to an internal address.
 */
export function isAllowedWebhookUrl(url: string, allowedHosts: string[] | undefined): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return false;
  if (!allowedHosts || allowedHosts.length === 0) return true;
  // URL already lowercases and punycodes the hostname; bring the entries to the same form.
  const host = parsed.hostname.replace(/\.$/, '');
  return allowedHosts.some((raw) => {
    const entry = raw.trim().replace(/\.$/, '');
    if (entry.startsWith('.')) {
      const suffix = domainToASCII(entry.slice(1));
      return suffix !== '' && host.endsWith(`.${suffix}`);
    }
    return entry !== '' && host === (domainToASCII(entry) || entry.toLowerCase());
  });
}

/*
 * Webhooks go out through WebhookClient, a lean keep-alive HTTP/1.1 client, not node:http,
 * global fetch or undici. Measured with the notifications benchmark (one worker, 128 in
 * flight, loopback receiver): node:http cost the worker 125-157 µs of CPU per delivery and
 * held the pipeline at 0.40-0.42x the bare BullMQ loop; the lean client brought the worker to
 * about 90 µs and the pipeline past 0.5x. fetch on Node 20 reached only 1-2k deliveries/s;
 * undici's request() cost more than node:http in the worker (140 against 116 µs).
 */
const sharedClient = new WebhookClient();

export interface SendWebhookOptions {
  url: string;
  secret: string;
  body: object;
  notificationId: string;
  /** Whole attempt: connect, response and reading the body. */
  timeoutMs?: number;
  /** Clock for the signature timestamp, in ms (tests). */
  now?: () => number;
  /** Connections to use (default: a shared client, 64 sockets per receiver). */
  client?: WebhookClient;
}

/** Visible ASCII only: a header value never carries a line break into the request. */
const HEADER_SAFE = /^[\x21-\x7e]+$/;

/**
 * Delivers one signed JSON POST. Resolves on a 2xx only; otherwise throws DeliveryError:
 * retryable for 5xx, 408, 429, timeouts, network errors and malformed answers, not retryable
 * for other 4xx and for 3xx (redirects are never followed: the signed request must reach the
 * configured URL).
 */
export async function sendWebhook(options: SendWebhookOptions): Promise<{ status: number; ms: number }> {
  const { url, secret, body, notificationId, timeoutMs = 5000, now = Date.now, client = sharedClient } = options;
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    throw new DeliveryError('webhook URL is not a valid URL', false);
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:') {
    throw new DeliveryError(`webhook URL scheme ${target.protocol} is not supported`, false);
  }
  if (!HEADER_SAFE.test(notificationId)) throw new DeliveryError('webhook request rejected before sending: invalid Idempotency-Key', false);
  const rawBody = JSON.stringify(body);
  const head = [
    `POST ${target.pathname}${target.search} HTTP/1.1`,
    `Host: ${target.host}`,
    'Content-Type: application/json',
    `Content-Length: ${Buffer.byteLength(rawBody)}`,
    `Govflow-Signature: ${signWebhook(secret, Math.floor(now() / 1000), rawBody)}`,
    `Idempotency-Key: ${notificationId}`,
    'User-Agent: govflow-webhook/1',
  ].join('\r\n');
  const started = performance.now();
  let status: number;
  try {
    status = await client.post(target, head, rawBody, timeoutMs);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ETIMEDOUT') throw new DeliveryError(`webhook timed out after ${timeoutMs} ms`, true);
    if (code === NOT_PUBLIC) throw new DeliveryError('the webhook host is not on a public address (GOVFLOW_WEBHOOK_PUBLIC_ONLY)', false);
    throw networkError(error as NodeJS.ErrnoException);
  }
  if (status < 200 || status >= 300) throw statusError(status);
  return { status, ms: performance.now() - started };
}

function statusError(status: number): DeliveryError {
  const retryable = status >= 500 || status === 408 || status === 429;
  const kind = status >= 300 && status < 400 ? ' (redirects are not followed)' : '';
  return new DeliveryError(`webhook answered HTTP ${status}${kind}`, retryable, status);
}

/** Only the error code: Node's messages may include the address, which may be sensitive. */
function networkError(err: NodeJS.ErrnoException): DeliveryError {
  return new DeliveryError(`webhook network error: ${err.code ?? err.name}`, true);
}
