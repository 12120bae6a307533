// The text messages of a SCRAM exchange (RFC 5802 section 7), parsed strictly and formatted:
// client-first, server-first, client-final, server-final. Names in SCRAM are "saslnames"
// (`,` written =2C and `=` written =3D); nonces are printable ASCII without `,`. A parse
// failure returns null: the caller fails the exchange without echoing the input.

export interface ClientFirstMessage {
  /** `n,,` or `n,a=<authzid>,` or `y,,`: repeated verbatim (base64) in the final message. */
  readonly gs2Header: string;
  readonly authorizationId: string;
  readonly username: string;
  readonly nonce: string;
  /** Kafka's extensions (`tokenauth=true`) after the nonce. */
  readonly extensions: ReadonlyMap<string, string>;
  readonly bare: string;
}

export interface ServerFirstMessage {
  readonly nonce: string;
  readonly salt: Buffer;
  readonly iterations: number;
  readonly text: string;
}

export interface ClientFinalMessage {
  readonly channelBinding: string;
  readonly nonce: string;
  readonly proof: Buffer;
  readonly withoutProof: string;
}

const NONCE = /^[\x21-\x2b\x2d-\x7e]+$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Decodes a saslname; null when it has a bare `=` or `,`. */
export function decodeSaslName(text: string): string | null {
  if (text.includes(',')) return null;
  const out = text.replace(/=2C|=3D/g, (m) => (m === '=2C' ? ',' : '='));
  const leftover = text.replace(/=2C|=3D/g, '');
  return leftover.includes('=') ? null : out;
}

export function encodeSaslName(name: string): string {
  return name.replace(/=/g, '=3D').replace(/,/g, '=2C');
}

function decodeBase64(text: string): Buffer | null {
  return BASE64.test(text) ? Buffer.from(text, 'base64') : null;
}

function attribute(part: string | undefined, name: string): string | null {
  if (part === undefined || !part.startsWith(`${name}=`)) return null;
  return part.slice(name.length + 1);
}

function parseGs2Header(parts: readonly string[]): { header: string; authzid: string } | null {
  const [flag, authz] = parts;
  // p=... asks for channel binding, which we do not offer (no -PLUS mechanisms).
  if (flag !== 'n' && flag !== 'y') return null;
  if (authz === undefined) return null;
  if (authz === '') return { header: `${flag},,`, authzid: '' };
  const raw = attribute(authz, 'a');
  const authzid = raw === null ? null : decodeSaslName(raw);
  if (authzid === null || authzid === '') return null;
  return { header: `${flag},${authz},`, authzid };
}

function parseExtensions(parts: readonly string[]): Map<string, string> | null {
  const extensions = new Map<string, string>();
  for (const part of parts) {
    const eq = part.indexOf('=');
    if (eq <= 0 || !/^[A-Za-z]+$/.test(part.slice(0, eq))) return null;
    extensions.set(part.slice(0, eq), part.slice(eq + 1));
  }
  return extensions;
}

export function parseClientFirst(text: string): ClientFirstMessage | null {
  const parts = text.split(',');
  const gs2 = parseGs2Header(parts);
  if (gs2 === null) return null;
  const [, , user, nonce, ...rest] = parts;
  // A reserved mandatory extension (m=) comes before the user name: refuse it (RFC 5802).
  const rawName = attribute(user, 'n');
  const username = rawName === null ? null : decodeSaslName(rawName);
  const clientNonce = attribute(nonce, 'r');
  if (username === null || username === '' || clientNonce === null) return null;
  if (!NONCE.test(clientNonce)) return null;
  const extensions = parseExtensions(rest);
  if (extensions === null) return null;
  return {
    gs2Header: gs2.header,
    authorizationId: gs2.authzid,
    username,
    nonce: clientNonce,
    extensions,
    bare: text.slice(gs2.header.length),
  };
}

export function formatServerFirst(nonce: string, salt: Buffer, iterations: number): string {
  return `r=${nonce},s=${salt.toString('base64')},i=${iterations}`;
}

export function parseServerFirst(text: string): ServerFirstMessage | null {
  const parts = text.split(',');
  if (parts[0]?.startsWith('m=')) return null;
  const nonce = attribute(parts[0], 'r');
  const saltText = attribute(parts[1], 's');
  const iterationsText = attribute(parts[2], 'i');
  if (nonce === null || saltText === null || iterationsText === null) return null;
  const salt = decodeBase64(saltText);
  if (salt === null || !/^[1-9][0-9]{0,9}$/.test(iterationsText) || !NONCE.test(nonce)) {
    return null;
  }
  return { nonce, salt, iterations: Number(iterationsText), text };
}

export function parseClientFinal(text: string): ClientFinalMessage | null {
  const proofAt = text.lastIndexOf(',p=');
  if (proofAt < 0) return null;
  const withoutProof = text.slice(0, proofAt);
  const proof = decodeBase64(text.slice(proofAt + 3));
  const parts = withoutProof.split(',');
  const channelBinding = attribute(parts[0], 'c');
  const nonce = attribute(parts[1], 'r');
  if (proof === null || channelBinding === null || nonce === null) return null;
  if (parseExtensions(parts.slice(2)) === null) return null;
  return { channelBinding, nonce, proof, withoutProof };
}

export function formatServerFinal(serverSignature: Buffer): string {
  return `v=${serverSignature.toString('base64')}`;
}

/** The server-final message: `v=<signature>` or `e=<error>`. */
export function parseServerFinal(text: string): { signature: Buffer } | { error: string } | null {
  const error = attribute(text, 'e');
  if (error !== null) return { error };
  const v = attribute(text, 'v');
  const signature = v === null ? null : decodeBase64(v);
  return signature === null ? null : { signature };
}
