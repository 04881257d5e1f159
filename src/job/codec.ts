import { PayloadDecodeError, PayloadEncodeError } from '../errors.ts';

/**
 * Arguments travel as JSON. Values JSON cannot hold (Date, BigInt, Map, Set, Buffer,
 * non-finite numbers and user types) are written as tagged objects `{ "$t": tag, "v": value }`
 * by an explicit registry of codecs: nothing is ever evaluated when decoding.
 */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export interface Codec<T = unknown> {
  /** Stored in the payload; must be unique and must not start with "$". */
  readonly tag: string;
  // Method syntax on purpose: a Codec<Date> must fit where a Codec<unknown> is expected.
  test(value: unknown): value is T;
  encode(value: T, encodeNested: (v: unknown) => JsonValue): JsonValue;
  decode(json: JsonValue, decodeNested: (v: JsonValue) => unknown): T;
}

export function defineCodec<T>(codec: Codec<T>): Codec<T> {
  return codec;
}

const TAG = '$t';
const ESCAPED_OBJECT = '$object';
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Keys that could reach an object's prototype when a payload is read back. */
export function isForbiddenKey(key: string): boolean {
  return FORBIDDEN_KEYS.has(key);
}

const builtinCodecs: Codec[] = [
  defineCodec<Date>({
    tag: 'Date',
    test: (v): v is Date => v instanceof Date,
    encode: (d) => (Number.isNaN(d.getTime()) ? 'Invalid Date' : d.toISOString()),
    decode: (json) => new Date(json === 'Invalid Date' ? Number.NaN : String(json)),
  }),
  defineCodec<bigint>({
    tag: 'BigInt',
    test: (v): v is bigint => typeof v === 'bigint',
    encode: (b) => b.toString(),
    decode: (json) => BigInt(String(json)),
  }),
  defineCodec<number>({
    tag: 'Number',
    test: (v): v is number => typeof v === 'number' && !Number.isFinite(v),
    encode: (n) => String(n),
    decode: (json) => Number(json),
  }),
  defineCodec<Map<unknown, unknown>>({
    tag: 'Map',
    test: (v): v is Map<unknown, unknown> => v instanceof Map,
    encode: (m, enc) => [...m].map(([k, v]) => [enc(k), enc(v)]),
    decode: (json, dec) =>
      new Map(asArray(json, 'Map').map((e) => asArray(e, 'Map entry').map(dec) as [unknown, unknown])),
  }),
  defineCodec<Set<unknown>>({
    tag: 'Set',
    test: (v): v is Set<unknown> => v instanceof Set,
    encode: (s, enc) => [...s].map(enc),
    decode: (json, dec) => new Set(asArray(json, 'Set').map(dec)),
  }),
  defineCodec<Buffer>({
    tag: 'Buffer',
    test: (v): v is Buffer => Buffer.isBuffer(v),
    encode: (b) => b.toString('base64'),
    decode: (json) => Buffer.from(String(json), 'base64'),
  }),
  defineCodec<Uint8Array>({
    tag: 'Uint8Array',
    test: (v): v is Uint8Array => v instanceof Uint8Array && !Buffer.isBuffer(v),
    encode: (b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64'),
    decode: (json) => new Uint8Array(Buffer.from(String(json), 'base64')),
  }),
];

function asArray(json: JsonValue, what: string): JsonValue[] {
  if (!Array.isArray(json)) throw new PayloadDecodeError(`${what} value must be an array`);
  return json;
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

export class CodecRegistry {
  readonly #byTag = new Map<string, Codec>();
  readonly #ordered: Codec[] = [];

  constructor(userCodecs: readonly Codec[] = []) {
    for (const codec of [...builtinCodecs, ...userCodecs]) this.register(codec);
  }

  register(codec: Codec): void {
    if (codec.tag.startsWith('$') || this.#byTag.has(codec.tag)) {
      throw new PayloadEncodeError(`Codec tag "${codec.tag}" is reserved or already registered`);
    }
    this.#byTag.set(codec.tag, codec);
    this.#ordered.push(codec);
  }

  /** Turns a value into JSON-safe data; throws PayloadEncodeError naming the path of anything unsupported. */
  encode(value: unknown): JsonValue {
    const seen = new Set<object>();
    const walk = (v: unknown, path: string): JsonValue => {
      if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
      if (typeof v === 'number' && Number.isFinite(v)) return v;
      if (v === undefined) return null;
      if (typeof v === 'object' && seen.has(v)) throw new PayloadEncodeError(`Circular reference at ${path}`);
      for (const codec of this.#ordered) {
        if (codec.test(v)) {
          if (typeof v === 'object') seen.add(v);
          const encoded = codec.encode(v, (nested) => walk(nested, `${path}.<${codec.tag}>`));
          if (typeof v === 'object') seen.delete(v);
          return { [TAG]: codec.tag, v: encoded };
        }
      }
      if (typeof v !== 'object') {
        throw new PayloadEncodeError(`Cannot encode ${typeof v} at ${path}; register a codec for it`);
      }
      seen.add(v);
      let out: JsonValue;
      if (Array.isArray(v)) {
        out = v.map((item, i) => walk(item, `${path}[${i}]`));
      } else if (isPlainObject(v)) {
        const obj: Record<string, JsonValue> = {};
        for (const [key, item] of Object.entries(v)) {
          if (FORBIDDEN_KEYS.has(key))
            throw new PayloadEncodeError(`Key "${key}" is not allowed (at ${path})`);
          if (item !== undefined) obj[key] = walk(item, `${path}.${key}`);
        }
        out = TAG in obj ? { [TAG]: ESCAPED_OBJECT, v: obj } : obj;
      } else {
        const kind = (v as object).constructor?.name ?? 'object';
        throw new PayloadEncodeError(`Cannot encode a ${kind} at ${path}; register a codec for it`);
      }
      seen.delete(v);
      return out;
    };
    return walk(value, 'args');
  }

  /** Turns JSON data back into values; throws PayloadDecodeError for unknown tags or forbidden keys. */
  decode(json: JsonValue): unknown {
    const walk = (v: JsonValue): unknown => {
      if (v === null || typeof v !== 'object') return v;
      if (Array.isArray(v)) return v.map(walk);
      for (const key of Object.keys(v)) {
        if (FORBIDDEN_KEYS.has(key)) throw new PayloadDecodeError(`Key "${key}" is not allowed in a payload`);
      }
      const tag = v[TAG];
      if (tag === undefined) {
        const out: Record<string, unknown> = {};
        for (const [key, item] of Object.entries(v)) out[key] = walk(item);
        return out;
      }
      if (tag === ESCAPED_OBJECT) {
        const inner = v.v;
        if (inner === null || typeof inner !== 'object' || Array.isArray(inner)) {
          throw new PayloadDecodeError('Escaped object must hold an object');
        }
        const out: Record<string, unknown> = {};
        for (const [key, item] of Object.entries(inner)) {
          if (FORBIDDEN_KEYS.has(key))
            throw new PayloadDecodeError(`Key "${key}" is not allowed in a payload`);
          out[key] = walk(item);
        }
        return out;
      }
      const codec = typeof tag === 'string' ? this.#byTag.get(tag) : undefined;
      if (!codec)
        throw new PayloadDecodeError(`Unknown codec tag ${JSON.stringify(tag)}; register its codec`);
      try {
        return codec.decode(v.v ?? null, walk);
      } catch (error) {
        if (error instanceof PayloadDecodeError) throw error;
        throw new PayloadDecodeError(`Codec "${codec.tag}" could not decode its value`, { cause: error });
      }
    };
    return walk(json);
  }

  stringify(value: unknown): string {
    return JSON.stringify(this.encode(value));
  }

  parse(text: string): unknown {
    let json: JsonValue;
    try {
      json = JSON.parse(text) as JsonValue;
    } catch (error) {
      throw new PayloadDecodeError('Stored payload is not valid JSON', { cause: error });
    }
    return mayNeedDecoding(text) ? this.decode(json) : json;
  }
}

/**
 * Whether JSON text may hold a tag or a forbidden key (a `\u` escape could spell either). Text
 * that cannot decodes to what JSON.parse gave: the walk would only copy it, a cost every run of
 * a job paid for its arguments.
 */
function mayNeedDecoding(text: string): boolean {
  return text.includes(TAG) || text.includes('proto') || text.includes('constructor') || text.includes('\\u');
}
