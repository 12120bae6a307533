// Request and response headers. Request header v1 carries the client id as
// an int16-length string even in flexible versions; v2 (flexible requests)
// adds a tagged-field section. Response header v1 adds tagged fields for
// flexible responses — except ApiVersions, whose response header is always v0
// so that a client that does not yet know our versions can read it.

import type { Reader } from './reader.ts';
import type { Writer } from './writer.ts';

export const API_VERSIONS_KEY = 18;

export interface RequestHeader {
  readonly apiKey: number;
  readonly apiVersion: number;
  readonly correlationId: number;
  readonly clientId: string | null;
}

/** Reads the fixed part every header version shares, then the client id. */
export function readRequestHeaderStart(r: Reader): RequestHeader {
  const apiKey = r.int16();
  const apiVersion = r.int16();
  const correlationId = r.int32();
  const clientId = r.nullableString();
  return { apiKey, apiVersion, correlationId, clientId };
}

/** Skips the request header's tagged fields (header v2, flexible requests). */
export function readRequestHeaderTags(r: Reader): void {
  r.taggedFields(() => false);
}

export function writeRequestHeader(w: Writer, h: RequestHeader, flexible: boolean): void {
  w.int16(h.apiKey).int16(h.apiVersion).int32(h.correlationId).nullableString(h.clientId);
  if (flexible) w.unsignedVarint(0);
}

export function responseHeaderIsFlexible(apiKey: number, bodyFlexible: boolean): boolean {
  return bodyFlexible && apiKey !== API_VERSIONS_KEY;
}

export function writeResponseHeader(w: Writer, correlationId: number, flexible: boolean): void {
  w.int32(correlationId);
  if (flexible) w.unsignedVarint(0);
}

export function readResponseHeader(r: Reader, flexible: boolean): number {
  const correlationId = r.int32();
  if (flexible) r.taggedFields(() => false);
  return correlationId;
}
