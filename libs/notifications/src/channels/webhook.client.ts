import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { ResponseParser } from './http-response.parser';
import { isNonPublicAddressUrl, isPublicAddress, urlHost } from './public-address';

/** Closed after this long unused: below the 5 s that Node servers keep an idle connection. */
const IDLE_MS = 4_000;

/** One request waiting for, or on, a connection. Settled once: by the answer, an error or the caller's timer. */
interface Exchange {
  request: Buffer;
  settled: boolean;
  /** Already sent again after a reused connection turned out closed. */
  resent: boolean;
  connection?: Connection;
  resolve(status: number): void;
  reject(error: NodeJS.ErrnoException): void;
}

interface Origin {
  tls: boolean;
  host: string;
  port: number;
  ca?: string | Buffer;
  publicOnly: boolean;
}

const failure = (code: string, message = code): NodeJS.ErrnoException => Object.assign(new Error(message), { code });

/** The error for a receiver that is, or resolves to, an address off the public internet. */
export const NOT_PUBLIC = 'ENOTPUBLIC';

/**
 * dns.lookup that refuses a name when any of its addresses is not public: the check is on the
 * addresses the socket will connect to, so a listed name cannot be pointed at this network.
 */
const publicLookup: net.LookupFunction = (hostname, options, callback) =>
  dnsLookup(hostname, options, (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => {
    const all = Array.isArray(address) ? address : [{ address, family }];
    if (!error && all.some((a) => !isPublicAddress(a.address))) error = failure(NOT_PUBLIC);
    (callback as (e: NodeJS.ErrnoException | null, a: string | LookupAddress[], f?: number) => void)(error, address, family);
  });

/** One keep-alive socket to an origin, carrying one exchange at a time (no pipelining). */
class Connection {
  readonly socket: net.Socket;
  private parser = new ResponseParser();
  private exchange?: Exchange;
  private answered = 0;
  private retired = false;

  constructor(
    origin: Origin,
    private readonly pool: OriginPool,
  ) {
    const lookup = origin.publicOnly ? publicLookup : undefined;
    this.socket = origin.tls
      ? tls.connect({ host: origin.host, port: origin.port, lookup, servername: net.isIP(origin.host) ? undefined : origin.host, ALPNProtocols: ['http/1.1'], ca: origin.ca })
      : net.connect({ host: origin.host, port: origin.port, lookup });
    this.socket.setNoDelay(true);
    this.socket.setTimeout(IDLE_MS, () => {
      if (!this.exchange) this.retire();
    });
    this.socket.on('data', (bytes: Buffer) => this.read(bytes));
    this.socket.on('end', () => this.ended());
    this.socket.on('error', (error: NodeJS.ErrnoException) => this.fail(error));
    this.socket.on('close', () => this.fail(failure('ECONNRESET', 'socket closed')));
  }

  send(exchange: Exchange): void {
    this.exchange = exchange;
    exchange.connection = this;
    this.parser = new ResponseParser();
    this.socket.ref();
    this.socket.write(exchange.request);
  }

  /** The caller gave up on its exchange (timeout): the connection cannot be trusted to be in step any more. */
  abandon(exchange: Exchange): void {
    if (this.exchange === exchange) {
      this.exchange = undefined;
      this.retire();
    }
  }

  private read(bytes: Buffer): void {
    if (!this.exchange) return this.retire(); // nothing was asked: a receiver out of step
    let complete: boolean;
    try {
      complete = this.parser.push(bytes);
    } catch (error) {
      return this.fail(failure('HPE_INVALID', (error as Error).message));
    }
    if (complete) this.complete();
  }

  private ended(): void {
    if (this.exchange && this.parser.end()) this.complete();
    else this.fail(failure('ECONNRESET', 'socket hang up'));
  }

  private complete(): void {
    const exchange = this.exchange!;
    const status = this.parser.status; // read first: going back to the pool may start the next exchange
    this.exchange = undefined;
    this.answered++;
    if (this.parser.keepAlive && !this.parser.trailing) {
      this.socket.unref();
      this.pool.idle(this);
    } else {
      this.retire();
    }
    exchange.resolve(status);
  }

  private fail(error: NodeJS.ErrnoException): void {
    const exchange = this.exchange;
    this.exchange = undefined;
    this.retire();
    if (!exchange) return;
    // A reused connection the receiver had closed while it was idle, found out before any byte
    // of an answer: sent once more on a new connection (the Idempotency-Key makes that safe).
    const stale = this.answered > 0 && !this.parser.started && (error.code === 'ECONNRESET' || error.code === 'EPIPE');
    if (stale && !exchange.resent) {
      exchange.resent = true;
      exchange.connection = undefined;
      this.pool.enqueue(exchange, true);
    } else {
      exchange.reject(error);
    }
  }

  private retire(): void {
    if (this.retired) return;
    this.retired = true;
    this.socket.destroy();
    this.pool.closed(this);
  }
}

/** The connections to one origin: at most `max` open, idle ones reused newest first, the rest of the requests queued. */
class OriginPool {
  private readonly open = new Set<Connection>();
  private free: Connection[] = [];
  private queue: Exchange[] = [];

  constructor(
    private readonly origin: Origin,
    private readonly max: number,
  ) {}

  enqueue(exchange: Exchange, first = false): void {
    if (first) this.queue.unshift(exchange);
    else this.queue.push(exchange);
    this.pump();
  }

  /** The caller gave up on an exchange still waiting for a connection. */
  withdraw(exchange: Exchange): void {
    this.queue = this.queue.filter((e) => e !== exchange);
  }

  idle(connection: Connection): void {
    this.free.push(connection);
    this.pump();
  }

  closed(connection: Connection): void {
    this.open.delete(connection);
    this.free = this.free.filter((c) => c !== connection);
    this.pump();
  }

  destroy(): void {
    this.queue = [];
    for (const connection of [...this.open]) connection.socket.destroy();
  }

  private pump(): void {
    while (this.queue.length > 0) {
      let connection = this.free.pop();
      if (!connection) {
        if (this.open.size >= this.max) return;
        connection = new Connection(this.origin, this);
        this.open.add(connection);
      }
      connection.send(this.queue.shift()!);
    }
  }
}

export interface WebhookClientOptions {
  /** Sockets kept at most per origin (scheme, host, port); further requests wait their turn. */
  connectionsPerOrigin?: number;
  /** Certificate authorities trusted for https receivers instead of Node's bundled ones (tests, private CAs). */
  ca?: string | Buffer;
  /** Refuse receivers on addresses off the public internet (GOVFLOW_WEBHOOK_PUBLIC_ONLY): fails with code ENOTPUBLIC. */
  publicOnly?: boolean;
}

/**
 * A keep-alive HTTP/1.1 client for one purpose: POST a small signed body and learn the status.
 * It writes each request in one buffer and reads the answer with a strict parser
 * (ResponseParser): about a third of the CPU of node:http per delivery (BENCHMARKS.md), which
 * was the largest share of the worker's. Not a general client: no redirects (a webhook never
 * follows one), no proxies, no compression, no request streaming.
 */
export class WebhookClient {
  private readonly pools = new Map<string, OriginPool>();
  private readonly max: number;

  constructor(private readonly options: WebhookClientOptions = {}) {
    this.max = options.connectionsPerOrigin ?? 64;
  }

  /**
   * Sends `head` (request line and header fields, without the blank line) and `body`; resolves
   * to the final status. Rejects with an errno-style error (`code`) on network failures,
   * malformed answers (HPE_INVALID) and after `timeoutMs` (ETIMEDOUT) for the whole exchange.
   */
  post(url: URL, head: string, body: string, timeoutMs: number): Promise<number> {
    const secure = url.protocol === 'https:';
    const host = urlHost(url);
    const port = Number(url.port || (secure ? 443 : 80));
    const key = `${url.protocol}//${host}:${port}`;
    const publicOnly = this.options.publicOnly ?? false;
    // An address written in the URL is never looked up: checked here instead.
    if (publicOnly && isNonPublicAddressUrl(url)) return Promise.reject(failure(NOT_PUBLIC));
    let pool = this.pools.get(key);
    if (!pool) this.pools.set(key, (pool = new OriginPool({ tls: secure, host, port, ca: this.options.ca, publicOnly }, this.max)));
    const request = Buffer.from(`${head}\r\n\r\n${body}`, 'utf8');

    return new Promise((resolve, reject) => {
      const exchange: Exchange = {
        request,
        settled: false,
        resent: false,
        resolve: (status) => settle(() => resolve(status)),
        reject: (error) => settle(() => reject(error)),
      };
      const timer = setTimeout(() => {
        exchange.reject(failure('ETIMEDOUT', `timed out after ${timeoutMs} ms`));
        if (exchange.connection) exchange.connection.abandon(exchange);
        else pool!.withdraw(exchange);
      }, timeoutMs);
      const settle = (done: () => void) => {
        if (exchange.settled) return;
        exchange.settled = true;
        clearTimeout(timer);
        done();
      };
      pool!.enqueue(exchange);
    });
  }

  /** Closes every connection; requests still waiting are dropped. */
  close(): void {
    for (const pool of this.pools.values()) pool.destroy();
    this.pools.clear();
  }
}
