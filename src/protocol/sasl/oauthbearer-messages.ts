// The OAUTHBEARER client message (RFC 7628): `n,[a=authzid],^Aauth=Bearer <token>^A[key=value^A]*^A`,
// parsed strictly by the broker and formatted by clients; and Kafka's unsecured JWS (an
// unsigned JWT, `alg: none`) that development setups send as the token.

export interface ClientInitialResponse {
  readonly authorizationId: string;
  readonly token: string;
  readonly extensions: ReadonlyMap<string, string>;
}

const KV_KEY = /^[A-Za-z]+$/;
const KV_VALUE = /^[\x21-\x7e \t\r\n]+$/;
const AUTH_VALUE = /^([A-Za-z0-9_]+) +([-_.A-Za-z0-9]+)$/;

/** Parses a client initial response; null when malformed. */
export function parseClientInitialResponse(token: Buffer): ClientInitialResponse | null {
  const text = token.toString('utf8');
  const kvStart = text.indexOf('\u0001');
  if (kvStart < 0 || !text.endsWith('\u0001\u0001')) return null;
  const gs2 = text.slice(0, kvStart).split(',');
  if (gs2.length !== 3 || (gs2[0] !== 'n' && gs2[0] !== 'y') || gs2[2] !== '') return null;
  const authz = gs2[1] ?? '';
  if (authz !== '' && !authz.startsWith('a=')) return null;
  const pairs = text.slice(kvStart + 1, -2).split('\u0001');
  const extensions = new Map<string, string>();
  let auth: string | null = null;
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    const key = pair.slice(0, eq);
    const value = pair.slice(eq + 1);
    if (eq <= 0 || !KV_KEY.test(key) || !KV_VALUE.test(value)) return null;
    if (key === 'auth') auth = value;
    else extensions.set(key, value);
  }
  const bearer = auth === null ? null : AUTH_VALUE.exec(auth);
  if (bearer === null || bearer[1]!.toLowerCase() !== 'bearer') return null;
  return { authorizationId: authz.slice(2), token: bearer[2]!, extensions };
}

export function formatClientInitialResponse(token: string): Buffer {
  return Buffer.from(`n,,\u0001auth=Bearer ${token}\u0001\u0001`, 'utf8');
}

/** Kafka's unsecured JWS (OAuthBearerUnsecuredLoginCallbackHandler): alg none, no signature. */
export function unsecuredJws(
  claims: ReadonlyMap<string, string>,
  lifetimeSeconds: number,
  nowMs: number,
): string {
  const iat = Math.floor(nowMs / 1000);
  const body: Record<string, unknown> = { iat, exp: iat + lifetimeSeconds };
  for (const [k, v] of claims) body[k] = v;
  const encode = (o: object) => Buffer.from(JSON.stringify(o), 'utf8').toString('base64url');
  return `${encode({ alg: 'none' })}.${encode(body)}.`;
}
