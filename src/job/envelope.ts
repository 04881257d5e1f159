import { PayloadDecodeError, PayloadEncodeError, PayloadTooLargeError } from '../errors.ts';
import { isForbiddenKey, type JsonValue } from './codec.ts';

/**
 * The versioned envelope: what a job is, independent of where it is stored.
 * SQL backends keep its fields as columns (args and metadata as JSON text);
 * wire transports (HTTP, brokers) send it whole with encodeEnvelope.
 */
export const ENVELOPE_VERSION = 1;

export type Metadata = Record<string, string | number | boolean | null>;

export interface JobEnvelope {
  readonly v: typeof ENVELOPE_VERSION;
  readonly id: string;
  readonly name: string;
  readonly queue: string;
  readonly priority: number;
  /** Arguments after the codec: plain JSON. */
  readonly args: JsonValue;
  readonly executions: number;
  /** ISO 8601. */
  readonly enqueuedAt: string;
  readonly metadata: Metadata;
}

export const DEFAULT_MAX_PAYLOAD_BYTES = 1024 * 1024;

/** Throws PayloadTooLargeError before anything is written. */
export function assertPayloadSize(argsJson: string, metadataJson: string, limit: number): void {
  // Byte length only matters near the limit; UTF-8 is at most 3 bytes per UTF-16 unit.
  const upperBound = (argsJson.length + metadataJson.length) * 3;
  if (upperBound <= limit) return;
  const bytes = Buffer.byteLength(argsJson) + Buffer.byteLength(metadataJson);
  if (bytes > limit) throw new PayloadTooLargeError(bytes, limit);
}

/** Metadata is a flat object of JSON scalars; throws PayloadEncodeError for anything else. */
export function assertMetadata(metadata: unknown): Metadata {
  if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata)) {
    throw new PayloadEncodeError('metadata must be an object');
  }
  for (const [key, value] of Object.entries(metadata)) {
    if (isForbiddenKey(key)) throw new PayloadEncodeError(`Key "${key}" is not allowed in metadata`);
    const scalar =
      value === null ||
      typeof value === 'string' ||
      typeof value === 'boolean' ||
      (typeof value === 'number' && Number.isFinite(value));
    if (!scalar) {
      throw new PayloadEncodeError(`metadata.${key} must be a string, a finite number, a boolean or null`);
    }
  }
  return metadata as Metadata;
}

export function encodeEnvelope(envelope: JobEnvelope): string {
  return JSON.stringify(envelope);
}

/** A stored job (its columns) as an envelope. */
export function toEnvelope(job: {
  readonly id: string;
  readonly name: string;
  readonly queue: string;
  readonly priority: number;
  readonly args: string;
  readonly metadata: string;
  readonly attempts: number;
  readonly enqueuedAt: number;
}): JobEnvelope {
  let args: JsonValue;
  try {
    args = JSON.parse(job.args) as JsonValue;
  } catch (error) {
    throw new PayloadDecodeError(`Stored arguments of job ${job.id} are not valid JSON`, { cause: error });
  }
  return {
    v: ENVELOPE_VERSION,
    id: job.id,
    name: job.name,
    queue: job.queue,
    priority: job.priority,
    args,
    executions: job.attempts,
    enqueuedAt: new Date(job.enqueuedAt).toISOString(),
    metadata: parseMetadata(job.metadata),
  };
}

export function decodeEnvelope(text: string): JobEnvelope {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new PayloadDecodeError('Envelope is not valid JSON', { cause: error });
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new PayloadDecodeError('Envelope must be a JSON object');
  }
  const e = raw as Record<string, unknown>;
  if (e.v !== ENVELOPE_VERSION) {
    throw new PayloadDecodeError(
      `Unsupported envelope version ${JSON.stringify(e.v)} (this Shigoto reads ${ENVELOPE_VERSION})`,
    );
  }
  const fields: Array<[string, string]> = [
    ['id', 'string'],
    ['name', 'string'],
    ['queue', 'string'],
    ['priority', 'number'],
    ['executions', 'number'],
    ['enqueuedAt', 'string'],
    ['metadata', 'object'],
  ];
  for (const [key, type] of fields) {
    if (typeof e[key] !== type || e[key] === null) {
      throw new PayloadDecodeError(`Envelope field "${key}" must be a ${type}`);
    }
  }
  if (!('args' in e)) throw new PayloadDecodeError('Envelope has no "args"');
  return e as unknown as JobEnvelope;
}

/** Decodes a stored metadata column. */
export function parseMetadata(text: string): Metadata {
  try {
    const value = JSON.parse(text) as unknown;
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Metadata;
  } catch {
    // fall through to the typed error
  }
  throw new PayloadDecodeError('Stored job metadata is not a JSON object');
}
