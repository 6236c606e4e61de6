/** Limits on what a receiver may send back; the webhook client reads only the status. */
export const MAX_HEAD_BYTES = 16 * 1024;
export const MAX_LINE_BYTES = 1024;
export const MAX_BODY_BYTES = 1024 * 1024;

/** A response that is not HTTP/1.x as RFC 9112 writes it; `code` names what was wrong. */
export class MalformedResponse extends Error {
  constructor(readonly code: string) {
    super(`malformed HTTP response: ${code}`);
  }
}

type State = 'head' | 'length' | 'chunk-size' | 'chunk-data' | 'chunk-end' | 'trailers' | 'until-close' | 'done';

/**
 * Reads one HTTP/1.x response to a POST, strictly, keeping only what the sender needs: the
 * final status and whether the connection may carry another request. Interim 1xx responses
 * are skipped; the body is framed (Content-Length, chunked, or up to the end of the
 * connection) and discarded. A body longer than MAX_BODY_BYTES ends the read early: the
 * status stands, the connection is not reused.
 */
export class ResponseParser {
  status = 0;
  keepAlive = false;
  /** Some byte of the response arrived. */
  started = false;
  /** Bytes arrived after the response ended: the connection is not reused. */
  trailing = false;
  private state: State = 'head';
  private pending: Buffer | null = null;
  private left = 0;
  private bodyBytes = 0;
  private trailerBytes = 0;

  /** Feeds bytes as they arrive; true once the response is complete. Throws MalformedResponse. */
  push(chunk: Buffer): boolean {
    if (chunk.length > 0) this.started = true;
    const data = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = null;
    let at = 0;
    for (;;) {
      switch (this.state) {
        case 'done':
          if (at < data.length) (this.trailing = true), (this.keepAlive = false);
          return true;
        case 'head': {
          const end = data.indexOf('\r\n\r\n', at);
          if (end - at > MAX_HEAD_BYTES || (end < 0 && data.length - at > MAX_HEAD_BYTES)) throw new MalformedResponse('header too large');
          if (end < 0) return this.wait(data, at);
          this.head(data.toString('latin1', at, end));
          at = end + 4;
          break;
        }
        case 'length':
        case 'chunk-data':
        case 'until-close': {
          const take = this.state === 'until-close' ? data.length - at : Math.min(this.left, data.length - at);
          at += take;
          this.left -= take;
          if ((this.bodyBytes += take) > MAX_BODY_BYTES) {
            this.keepAlive = false;
            this.state = 'done';
            return true;
          }
          if (this.state === 'until-close' || this.left > 0) return false;
          this.state = this.state === 'length' ? 'done' : 'chunk-end';
          break;
        }
        case 'chunk-size': {
          const line = this.line(data, at);
          if (line === null) return this.wait(data, at);
          const size = /^([0-9a-fA-F]{1,8})[ \t]*(;[^\r\n]*)?$/.exec(line);
          if (!size) throw new MalformedResponse('invalid chunk size');
          at += line.length + 2;
          this.left = parseInt(size[1], 16);
          this.state = this.left === 0 ? 'trailers' : 'chunk-data';
          break;
        }
        case 'chunk-end':
          if (data.length - at < 2) return this.wait(data, at);
          if (data[at] !== 0x0d || data[at + 1] !== 0x0a) throw new MalformedResponse('chunk not followed by CRLF');
          at += 2;
          this.state = 'chunk-size';
          break;
        case 'trailers': {
          const line = this.line(data, at);
          if (line === null) return this.wait(data, at);
          at += line.length + 2;
          if (line === '') this.state = 'done';
          else if ((this.trailerBytes += line.length) > MAX_HEAD_BYTES) throw new MalformedResponse('trailers too large');
          break;
        }
      }
    }
  }

  /** The receiver closed its side: true if that completes the response (a body read to the end). */
  end(): boolean {
    if (this.state === 'until-close') this.state = 'done';
    return this.state === 'done';
  }

  private wait(data: Buffer, at: number): false {
    this.pending = at < data.length ? data.subarray(at) : null;
    return false;
  }

  /** The CRLF-terminated line at `at`, or null until it has arrived whole. */
  private line(data: Buffer, at: number): string | null {
    const end = data.indexOf('\r\n', at);
    if (end < 0) {
      if (data.length - at > MAX_LINE_BYTES) throw new MalformedResponse('line too long');
      return null;
    }
    if (end - at > MAX_LINE_BYTES) throw new MalformedResponse('line too long');
    return data.toString('latin1', at, end);
  }

  /** Status line and header fields; decides how the body is framed (RFC 9112 §6.3). */
  private head(text: string): void {
    const lines = text.split('\r\n');
    const statusLine = /^HTTP\/1\.([01]) ([1-5]\d\d)(?: [^\r\n]*)?$/.exec(lines[0]);
    if (!statusLine) throw new MalformedResponse('invalid status line');
    const status = Number(statusLine[2]);
    let length: number | undefined;
    const codings: string[] = [];
    const connection: string[] = [];
    for (const field of lines.slice(1)) {
      const colon = field.indexOf(':');
      const name = colon > 0 ? field.slice(0, colon) : '';
      if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(name)) throw new MalformedResponse('invalid header field');
      const value = field.slice(colon + 1).trim();
      const lower = name.toLowerCase();
      if (lower === 'content-length') {
        if (!/^\d{1,15}$/.test(value) || (length !== undefined && length !== Number(value))) throw new MalformedResponse('invalid Content-Length');
        length = Number(value);
      } else if (lower === 'transfer-encoding') {
        codings.push(...value.toLowerCase().split(',').map((c) => c.trim()));
      } else if (lower === 'connection') {
        connection.push(...value.toLowerCase().split(',').map((c) => c.trim()));
      }
    }
    if (status < 200) {
      if (status === 101) throw new MalformedResponse('unrequested protocol switch');
      return; // interim (100 Continue, 103 Early Hints): the final response follows
    }
    this.status = status;
    this.keepAlive = statusLine[1] === '1' ? !connection.includes('close') : connection.includes('keep-alive');
    if (status === 204 || status === 304) {
      this.state = 'done';
    } else if (codings.length > 0) {
      // Transfer-Encoding overrides Content-Length; with both, the connection is not trusted again.
      if (length !== undefined) this.keepAlive = false;
      if (codings[codings.length - 1] === 'chunked') this.state = 'chunk-size';
      else (this.state = 'until-close'), (this.keepAlive = false);
    } else if (length !== undefined) {
      this.left = length;
      this.state = length === 0 ? 'done' : 'length';
    } else {
      this.state = 'until-close';
      this.keepAlive = false;
    }
  }
}
