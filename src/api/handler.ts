// The contract between the network server and the per-API handlers. A
// handler declares the API definition and the version range it serves; the
// registry derives routing and the ApiVersions answer from these
// declarations, so what we advertise is exactly what is registered.

import { type Codec, codecFor, type MessageValue } from '../protocol/codec.ts';
import type { ApiDef } from '../protocol/schema.ts';
import type { KafkaPrincipal } from '../security/principal.ts';

export interface RequestContext {
  readonly apiKey: number;
  readonly apiVersion: number;
  readonly correlationId: number;
  readonly clientId: string | null;
  readonly connectionId: number;
  readonly remoteAddress: string;
  readonly listenerName: string;
  /** Who sent the request: the SASL user, the mapped certificate subject, or ANONYMOUS. */
  readonly principal: KafkaPrincipal;
}

export type RequestOf<A extends ApiDef> = MessageValue<A['request']>;
export type ResponseOf<A extends ApiDef> = MessageValue<A['response']>;

export interface ApiHandler<A extends ApiDef> {
  readonly api: A;
  readonly minVersion: number;
  readonly maxVersion: number;
  /** Returns the response, or null when none is sent (Produce with acks=0). */
  handle(
    request: RequestOf<A>,
    ctx: RequestContext,
  ): Promise<ResponseOf<A> | null> | ResponseOf<A> | null;
}

/** A handler with its types erased, as the router holds it. */
export interface RegisteredHandler {
  readonly apiKey: number;
  readonly name: string;
  readonly minVersion: number;
  readonly maxVersion: number;
  readonly requestCodec: Codec<unknown>;
  readonly responseCodec: Codec<unknown>;
  handle(request: unknown, ctx: RequestContext): Promise<unknown> | unknown;
}

export function registered<A extends ApiDef>(h: ApiHandler<A>): RegisteredHandler {
  const requestCodec = codecFor(h.api.request) as Codec<unknown>;
  const responseCodec = codecFor(h.api.response) as Codec<unknown>;
  if (h.minVersion < requestCodec.min || h.maxVersion > requestCodec.max) {
    throw new Error(
      `${h.api.name}: handler versions ${h.minVersion}-${h.maxVersion} outside definition`,
    );
  }
  return {
    apiKey: h.api.apiKey,
    name: h.api.name,
    minVersion: h.minVersion,
    maxVersion: h.maxVersion,
    requestCodec,
    responseCodec,
    handle: (request, ctx) => h.handle(request as RequestOf<A>, ctx),
  };
}

export class HandlerRegistry {
  private readonly byKey = new Map<number, RegisteredHandler>();

  add<A extends ApiDef>(h: ApiHandler<A>): this {
    if (this.byKey.has(h.api.apiKey)) throw new Error(`duplicate handler for ${h.api.name}`);
    this.byKey.set(h.api.apiKey, registered(h));
    return this;
  }

  get(apiKey: number): RegisteredHandler | undefined {
    return this.byKey.get(apiKey);
  }

  /** Supported ranges in api-key order, for ApiVersions. */
  supported(): Array<{ apiKey: number; minVersion: number; maxVersion: number }> {
    return [...this.byKey.values()]
      .sort((a, b) => a.apiKey - b.apiKey)
      .map((h) => ({ apiKey: h.apiKey, minVersion: h.minVersion, maxVersion: h.maxVersion }));
  }
}
