// The network side of SASL for one connection on a SASL listener: before authentication it
// admits only ApiVersions, SaslHandshake and SaslAuthenticate (anything else closes the
// connection), decodes and answers the SASL requests through the connection's
// SaslAuthenticator, handles v0 raw tokens, and keeps the small frame limit
// (sasl.server.max.receive.size) until the client is authenticated. Outcomes are logged with
// the client address (never a secret) and reported for the authentication metrics.

import { SaslAuthenticate } from '../protocol/apis/sasl-authenticate.ts';
import { SaslHandshake } from '../protocol/apis/sasl-handshake.ts';
import { codecFor } from '../protocol/codec.ts';
import {
  API_VERSIONS_KEY,
  type RequestHeader,
  readRequestHeaderTags,
  writeResponseHeader,
} from '../protocol/headers.ts';
import { DecodeError, type Reader } from '../protocol/reader.ts';
import { Writer } from '../protocol/writer.ts';
import type { KafkaPrincipal } from '../security/principal.ts';
import {
  SASL_AUTHENTICATE_KEY,
  type SaslAuthenticator,
  type SaslOutcome,
} from '../security/sasl/sasl-authenticator.ts';

export interface SaslAnswer {
  readonly chunks: Buffer[];
  /** Close once these bytes are written (a failed authentication). */
  readonly close: string | null;
}

export type GateDecision =
  | { readonly kind: 'pass' }
  | { readonly kind: 'close'; readonly reason: string }
  | { readonly kind: 'answer'; readonly answer: Promise<SaslAnswer> };

export interface SaslGateOptions {
  readonly authenticator: SaslAuthenticator;
  /** sasl.server.max.receive.size */
  readonly receiveSizeBytesMax: number;
  /** Whether ApiVersions can answer this version (else it stays retryable, KIP-511). */
  readonly apiVersionsSupported: (version: number) => boolean;
  readonly onOutcome: (outcome: SaslOutcome) => void;
  readonly now?: () => number;
}

const handshakeCodec = codecFor(SaslHandshake.request);
const handshakeResponseCodec = codecFor(SaslHandshake.response);
const authenticateCodec = codecFor(SaslAuthenticate.request);
const authenticateResponseCodec = codecFor(SaslAuthenticate.response);

function frame(correlationId: number, flexible: boolean, body: (w: Writer) => void): Buffer[] {
  const w = new Writer();
  const setSize = w.reserveInt32();
  writeResponseHeader(w, correlationId, flexible);
  body(w);
  setSize(w.length - 4);
  return w.toChunks();
}

export class SaslGate {
  private readonly now: () => number;

  constructor(private readonly o: SaslGateOptions) {
    this.now = o.now ?? Date.now;
  }

  get principal(): KafkaPrincipal | null {
    return this.o.authenticator.principal;
  }

  get expectsRawToken(): boolean {
    return this.o.authenticator.expectsRawToken;
  }

  /** The frame limit now: the SASL limit until the first authentication completes. */
  frameSizeBytesMax(requestSizeBytesMax: number): number {
    return this.o.authenticator.unauthenticated
      ? Math.min(this.o.receiveSizeBytesMax, requestSizeBytesMax)
      : requestSizeBytesMax;
  }

  /** Decides a request after its header is read; `r` is positioned after the client id. */
  onRequest(header: RequestHeader, r: Reader): GateDecision {
    const a = this.o.authenticator;
    const admission = a.admit(header.apiKey, this.now());
    this.report();
    if (admission.kind === 'close') return admission;
    if (admission.kind === 'pass') return admission;
    if (header.apiKey === API_VERSIONS_KEY) {
      a.apiVersionsAnswered(this.o.apiVersionsSupported(header.apiVersion));
      return { kind: 'pass' };
    }
    try {
      if (header.apiKey !== SASL_AUTHENTICATE_KEY) {
        if (header.apiVersion > 1)
          return this.refuse(`unsupported SaslHandshake v${header.apiVersion}`);
        return { kind: 'answer', answer: Promise.resolve(this.handshake(header, r)) };
      }
      if (header.apiVersion > 2)
        return this.refuse(`unsupported SaslAuthenticate v${header.apiVersion}`);
      const codec = authenticateCodec.at(header.apiVersion);
      if (codec.flexible) readRequestHeaderTags(r);
      const request = codec.decode(r);
      return { kind: 'answer', answer: this.authenticate(header, request.authBytes) };
    } catch (err) {
      if (!(err instanceof DecodeError) && !(err instanceof RangeError)) throw err;
      return this.refuse(`malformed SASL request: ${err.message}`);
    }
  }

  /** A raw SASL token (after a v0 handshake); the answer is a size-prefixed raw token. */
  async onRawToken(token: Buffer): Promise<SaslAnswer> {
    const answer = await this.o.authenticator.authenticate(token, this.now());
    this.report();
    if (answer.close !== null) return { chunks: [], close: answer.close };
    const size = Buffer.allocUnsafe(4);
    size.writeInt32BE(answer.authBytes.length, 0);
    return { chunks: [size, answer.authBytes], close: null };
  }

  /** Closes for a reason the authenticator did not see (bad bytes, versions): still a failure. */
  private refuse(reason: string): GateDecision {
    this.o.onOutcome({ kind: 'failed', reauthentication: false, mechanism: null, reason });
    return { kind: 'close', reason };
  }

  private handshake(header: RequestHeader, r: Reader): SaslAnswer {
    const request = handshakeCodec.at(header.apiVersion).decode(r);
    const answer = this.o.authenticator.handshake(header.apiVersion, request.mechanism);
    this.report();
    const codec = handshakeResponseCodec.at(header.apiVersion);
    const chunks = frame(header.correlationId, false, (w) =>
      codec.encode(w, { errorCode: answer.errorCode, mechanisms: answer.mechanisms }),
    );
    return { chunks, close: answer.close };
  }

  private async authenticate(header: RequestHeader, authBytes: Buffer): Promise<SaslAnswer> {
    const answer = await this.o.authenticator.authenticate(authBytes, this.now());
    this.report();
    const responseCodec = authenticateResponseCodec.at(header.apiVersion);
    const chunks = frame(header.correlationId, responseCodec.flexible, (w) =>
      responseCodec.encode(w, {
        errorCode: answer.errorCode,
        errorMessage: answer.errorMessage,
        authBytes: answer.authBytes,
        sessionLifetimeMs: answer.sessionLifetimeMs,
      }),
    );
    return { chunks, close: answer.close };
  }

  private report(): void {
    for (const outcome of this.o.authenticator.takeOutcomes()) this.o.onOutcome(outcome);
  }
}
