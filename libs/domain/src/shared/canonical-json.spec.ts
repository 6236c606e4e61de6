import { canonicalJson } from './canonical-json';
import { sha256OfCanonical } from './sha256';

describe('canonicalJson (RFC 8785)', () => {
  describe('object keys', () => {
    it('sorts keys whatever order they were inserted in', () => {
      expect(canonicalJson({ b: 2, a: 1, c: { z: true, y: null } })).toBe('{"a":1,"b":2,"c":{"y":null,"z":true}}');
      expect(canonicalJson({ a: 1, b: 2 })).toBe(canonicalJson({ b: 2, a: 1 }));
    });

    it('sorts by UTF-16 code units: upper case before lower case, "10" before "9"', () => {
      expect(canonicalJson({ b: 1, B: 2, a: 3, A: 4 })).toBe('{"A":4,"B":2,"a":3,"b":1}');
      expect(canonicalJson({ '9': 'nine', '10': 'ten', '1': 'one' })).toBe('{"1":"one","10":"ten","9":"nine"}');
    });

    it("orders the RFC's sorting example (section 3.2.3) as the RFC does", () => {
      const input = {
        '\u20ac': 'Euro Sign',
        '\r': 'Carriage Return',
        '\ufb33': 'Hebrew Letter Dalet With Dagesh',
        '1': 'One',
        '\ud83d\ude00': 'Emoji: Grinning Face',
        '\u0080': 'Control',
        '\u00f6': 'Latin Small Letter O With Diaeresis',
      };
      const out = canonicalJson(input);
      // Read the order from the text: JSON.parse would move the integer-like key "1" first.
      const values = [...out.matchAll(/":"([^"]+)"/g)].map((m) => m[1]);
      expect(values).toEqual([
        'Carriage Return',
        'One',
        'Control',
        'Latin Small Letter O With Diaeresis',
        'Euro Sign',
        'Emoji: Grinning Face',
        'Hebrew Letter Dalet With Dagesh',
      ]);
      expect(out).toBe(
        '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis",' +
          '"\u20ac":"Euro Sign","\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
      );
    });

    it('puts a surrogate pair (U+1F600) before U+FB33, although its code point is larger', () => {
      // By code point U+FB33 < U+1F600; by UTF-16 code unit 0xD83D < 0xFB33. RFC 8785 uses code units.
      expect(canonicalJson({ '\ufb33': 1, '\ud83d\ude00': 2 })).toBe('{"\ud83d\ude00":2,"\ufb33":1}');
      expect(canonicalJson({ '\ud83d\ude00': 2, '\u20ac': 1 })).toBe('{"\u20ac":1,"\ud83d\ude00":2}');
    });
  });

  describe('whitespace', () => {
    it('emits no whitespace between tokens, but keeps it inside strings', () => {
      expect(canonicalJson({ list: [1, 2, { k: 'a b' }], empty: {}, none: [] })).toBe('{"empty":{},"list":[1,2,{"k":"a b"}],"none":[]}');
    });
  });

  describe('numbers (ECMAScript Number.prototype.toString)', () => {
    it.each([
      [1.0, '1'],
      [-0, '0'],
      [0, '0'],
      [4.5, '4.5'],
      [0.002, '0.002'],
      [0.000001, '0.000001'],
      [1e-7, '1e-7'],
      [1e21, '1e+21'],
      [1e20, '100000000000000000000'],
      [1e30, '1e+30'],
      [333333333.33333329, '333333333.3333333'],
      [1e-27, '1e-27'],
      [-1.5, '-1.5'],
      [9007199254740991, '9007199254740991'],
      [5e-324, '5e-324'],
      [1.7976931348623157e308, '1.7976931348623157e+308'],
    ])('%p serialises as %s', (value, expected) => {
      expect(canonicalJson(value)).toBe(expected);
      expect(canonicalJson({ n: value })).toBe(`{"n":${expected}}`);
    });

    it.each([NaN, Infinity, -Infinity])('refuses %p', (value) => {
      expect(() => canonicalJson(value)).toThrow(TypeError);
      expect(() => canonicalJson({ nested: [value] })).toThrow('numbers must be finite');
    });
  });

  describe('strings', () => {
    it('escapes quote, backslash and the short-form control characters', () => {
      expect(canonicalJson('"\\\b\f\n\r\t')).toBe('"\\"\\\\\\b\\f\\n\\r\\t"');
    });

    it('escapes the other control characters as lowercase \\u00xx', () => {
      expect(canonicalJson('\u0000\u0001\u001f')).toBe('"\\u0000\\u0001\\u001f"');
      expect(canonicalJson('\u000b')).toBe('"\\u000b"');
    });

    it('leaves U+2028, U+2029, DEL, "/" and non-ASCII characters as they are', () => {
      expect(canonicalJson('\u2028\u2029')).toBe('"\u2028\u2029"');
      expect(canonicalJson('\u007f/')).toBe('"\u007f/"');
      expect(canonicalJson('Secretaría €😀')).toBe('"Secretaría €😀"');
      expect(canonicalJson('\u2028')).toHaveLength(3);
    });

    it('escapes keys the same way as values', () => {
      expect(canonicalJson({ 'a\nb': '\u0001' })).toBe('{"a\\nb":"\\u0001"}');
    });
  });

  describe('literals, arrays and nesting', () => {
    it('writes true, false and null', () => {
      expect(canonicalJson(true)).toBe('true');
      expect(canonicalJson(false)).toBe('false');
      expect(canonicalJson(null)).toBe('null');
    });

    it('keeps array order and sorts the keys of objects nested in arrays', () => {
      expect(canonicalJson([3, 1, 2])).toBe('[3,1,2]');
      expect(canonicalJson({ z: [{ y: 1, x: [{ b: null, a: [] }] }], a: { d: { c: 'deep' } } })).toBe(
        '{"a":{"d":{"c":"deep"}},"z":[{"x":[{"a":[],"b":null}],"y":1}]}',
      );
    });

    it('drops object members whose value is undefined, and writes undefined array items as null', () => {
      expect(canonicalJson({ a: undefined, b: 1, c: { d: undefined } })).toBe('{"b":1,"c":{}}');
      expect(canonicalJson([undefined, 1])).toBe('[null,1]');
    });

    it('matches JSON.parse round trips: parsing the output and canonicalising again is a no-op', () => {
      const value = { mesa: 'TD', commitments: [{ ref: 'C1', milestones: [{ dueDate: '2024-10-31', ref: 'H1' }] }], n: 0.1 };
      const once = canonicalJson(value);
      expect(canonicalJson(JSON.parse(once))).toBe(once);
    });

    it('refuses values JSON cannot carry', () => {
      expect(() => canonicalJson(() => 1)).toThrow('cannot serialise a function');
      expect(() => canonicalJson(10n)).toThrow('cannot serialise a bigint');
      expect(() => canonicalJson(Symbol('s'))).toThrow(TypeError);
    });
  });

  describe('sha256OfCanonical', () => {
    it('hashes the canonical text, so key order does not change the digest', () => {
      expect(sha256OfCanonical({ b: [true, null], a: 1 })).toBe(sha256OfCanonical({ a: 1, b: [true, null] }));
      expect(sha256OfCanonical({ a: 1 })).toBe('015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862');
      expect(sha256OfCanonical({ a: 2 })).not.toBe(sha256OfCanonical({ a: 1 }));
    });
  });
});

describe('canonicalJson refuses what has no canonical form', () => {
  it('throws on a lone surrogate in a value or a key', () => {
    expect(() => canonicalJson({ text: 'a\ud800b' })).toThrow(TypeError);
    expect(() => canonicalJson({ ['\udc00']: 1 })).toThrow(TypeError);
    expect(canonicalJson({ text: '\ud83d\ude00' })).toBe('{"text":"\ud83d\ude00"}');
  });
});
