/**
 * The wire layer: codecs between text (or UTF-8 bytes) and internal values for the HTTP
 * server and the remote client, in JSON with tagged literals, EDN and transit-json, and
 * the handles that stand for remote connections and databases.
 */

import { decodeEdn, encodeEdn } from './edn.js';
import type { HandleMapper } from './handles.js';
import { decodeJson, encodeJson } from './json.js';
import { decodeTransit, encodeTransit } from './transit.js';

export { type FormatName, MAX_DEPTH, PayloadError } from './common.js';
export { decodeEdn, encodeEdn } from './edn.js';
export {
  type AnyDbHandle,
  AsOfDbHandle,
  ConnectionHandle,
  DbHandle,
  EntityHandle,
  type Handle,
  type HandleMapper,
  HistoricalDbHandle,
  isTxReport,
  SinceDbHandle,
  type WireTxReport,
} from './handles.js';
export { decodeJson, encodeJson, JSON_TAGS } from './json.js';
export { decodeTransit, encodeTransit } from './transit.js';

export type MediaType = 'application/json' | 'application/edn' | 'application/transit+json';

export interface WireFormat {
  readonly mediaType: MediaType;
  encode(value: unknown, mapper?: HandleMapper): string;
  decode(input: string | Uint8Array, mapper?: HandleMapper): unknown;
}

/** The formats by media type. */
export const formats: Readonly<Record<MediaType, WireFormat>> = {
  'application/json': { mediaType: 'application/json', encode: encodeJson, decode: decodeJson },
  'application/edn': { mediaType: 'application/edn', encode: encodeEdn, decode: decodeEdn },
  'application/transit+json': {
    mediaType: 'application/transit+json',
    encode: encodeTransit,
    decode: decodeTransit,
  },
};

/** What Datahike's server uses when a request names no format. */
export const DEFAULT_MEDIA_TYPE: MediaType = 'application/json';

/**
 * The format a `Content-Type` (or `Accept`) header names, ignoring parameters
 * (`application/json; charset=utf-8`) and case; for a list (`application/edn,
 * application/json;q=0.9`) the first known type in it. Undefined when the header is
 * missing or names no format we speak: the caller decides (415, or the default).
 */
export function pickFormat(header: string | null | undefined): WireFormat | undefined {
  if (typeof header !== 'string') return undefined;
  for (const part of header.split(',')) {
    const type = part.split(';', 1)[0]!.trim().toLowerCase();
    if (Object.hasOwn(formats, type)) return formats[type as MediaType];
  }
  return undefined;
}
