import { MAX_BODY_BYTES, MalformedResponse, ResponseParser } from './http-response.parser';

/** Feeds `text` in pieces of `size` bytes; returns the parser and the piece that completed it (or -1). */
function feed(text: string | Buffer, size = Infinity): { parser: ResponseParser; completedAt: number } {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'latin1') : text;
  const parser = new ResponseParser();
  const step = Math.min(size, bytes.length) || 1;
  for (let at = 0, piece = 0; at < bytes.length; at += step, piece++) {
    if (parser.push(bytes.subarray(at, at + step))) return { parser, completedAt: piece };
  }
  return { parser, completedAt: -1 };
}

const malformed = (text: string) => {
  try {
    feed(text);
  } catch (error) {
    return error instanceof MalformedResponse ? error.code : 'other error';
  }
  return 'accepted';
};

describe('ResponseParser', () => {
  const chunked =
    'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\n' +
    '5;ext=1\r\nhello\r\n1A\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nX-Trailer: yes\r\n\r\n';

  it.each([1, 2, 3, 7, 64, Infinity])('reads a chunked answer with trailers fed %s bytes at a time', (size) => {
    const { parser, completedAt } = feed(chunked, size);
    expect(completedAt).toBeGreaterThanOrEqual(0);
    expect(parser).toMatchObject({ status: 200, keepAlive: true, trailing: false });
    // Complete exactly at the last byte, not before.
    if (size !== Infinity) expect(completedAt).toBe(Math.ceil(chunked.length / size) - 1);
  });

  it('frames by Content-Length and keeps the connection', () => {
    expect(feed('HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok', 4).parser).toMatchObject({ status: 201, keepAlive: true });
    expect(feed('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\no').completedAt).toBe(-1);
  });

  it('skips interim answers (100, 103) and reports the final status', () => {
    const text = 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n';
    expect(feed(text, 5).parser).toMatchObject({ status: 204, keepAlive: true });
  });

  it('reads to the end of the connection when nothing frames the body, and never reuses it', () => {
    const { parser, completedAt } = feed('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end');
    expect(completedAt).toBe(-1);
    expect(parser.end()).toBe(true);
    expect(parser).toMatchObject({ status: 200, keepAlive: false });
  });

  it('does not complete a response cut short by the end of the connection', () => {
    const { parser } = feed('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc');
    expect(parser.end()).toBe(false);
    expect(new ResponseParser().end()).toBe(false);
  });

  it.each([
    ['HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n', false],
    ['HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n', false],
    ['HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n', true],
    ['HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\nHTTP/1.1 200 OK', false], // bytes nobody asked for
    ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n', false], // both framings
  ])('decides whether %j leaves a reusable connection: %s', (text, reusable) => {
    const { parser, completedAt } = feed(text);
    expect(completedAt).toBe(0);
    expect(parser.keepAlive).toBe(reusable);
  });

  it('stops reading an endless body past the limit, keeping the status and dropping the connection', () => {
    const head = Buffer.from('HTTP/1.1 500 Internal Server Error\r\nContent-Length: 999999999\r\n\r\n', 'latin1');
    const { parser, completedAt } = feed(Buffer.concat([head, Buffer.alloc(MAX_BODY_BYTES + 10)]), 64 * 1024);
    expect(completedAt).toBeGreaterThan(0);
    expect(parser).toMatchObject({ status: 500, keepAlive: false });
  });

  it.each([
    ['invalid status line', 'garbage\r\n\r\n'],
    ['invalid status line', 'HTTP/2 200\r\n\r\n'],
    ['invalid status line', 'HTTP/1.1 99 Low\r\n\r\n'],
    ['invalid header field', 'HTTP/1.1 200 OK\r\nNo colon here\r\n\r\n'],
    ['invalid header field', 'HTTP/1.1 200 OK\r\n folded: value\r\n\r\n'],
    ['invalid Content-Length', 'HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n'],
    ['invalid Content-Length', 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n'],
    ['invalid chunk size', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'],
    ['chunk not followed by CRLF', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n'],
    ['unrequested protocol switch', 'HTTP/1.1 101 Switching Protocols\r\n\r\n'],
    ['header too large', `HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(17 * 1024)}\r\n\r\n`],
    ['header too large', `HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(17 * 1024)}`],
  ])('refuses an answer with %s (case %#)', (code, text) => {
    expect(malformed(text)).toBe(code);
  });
});
