// The first SCRAM user of a new cluster, the way `kafka-storage format --add-scram` makes it:
// `gregor server --add-scram 'SCRAM-SHA-256=[name=admin,password=admin-secret]'` (also
// `iterations=`, or `salt=` and `saltedpassword=` in hex as Kafka accepts them). A credential
// is created only if the user has none for that mechanism, so restarting with the same flag
// never resets a password that was changed since.

import { randomBytes } from 'node:crypto';
import {
  credentialFromSaltedPassword,
  isScramMechanism,
  SCRAM_ITERATIONS_MAX,
  SCRAM_ITERATIONS_MIN,
  type ScramCredential,
  type ScramMechanism,
  saltedPassword,
} from '../protocol/sasl/scram-crypto.ts';
import type { ScramCredentialStore } from './scram-credential-store.ts';

export interface BootstrapCredential {
  readonly user: string;
  readonly mechanism: ScramMechanism;
  readonly credential: ScramCredential;
}

export class AddScramError extends Error {
  override readonly name = 'AddScramError';
}

const ENTRY = /^([A-Z0-9-]+)=\[(.*)\]$/s;

function attributes(body: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of body.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new AddScramError('--add-scram attributes are key=value, comma-separated');
    out.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1));
  }
  return out;
}

function unquote(value: string): string {
  return value.length >= 2 && value.startsWith('"') && value.endsWith('"')
    ? value.slice(1, -1)
    : value;
}

function hexBytes(value: string | undefined, what: string): Buffer | null {
  if (value === undefined) return null;
  if (!/^([0-9a-fA-F]{2})+$/.test(value))
    throw new AddScramError(`--add-scram ${what} must be hex`);
  return Buffer.from(value, 'hex');
}

/** Parses one `--add-scram` value; the error never repeats the password. */
export function parseAddScram(text: string): BootstrapCredential {
  const m = ENTRY.exec(text.trim());
  if (m === null)
    throw new AddScramError("--add-scram takes 'SCRAM-SHA-256=[name=...,password=...]'");
  const mechanism = m[1]!;
  if (!isScramMechanism(mechanism))
    throw new AddScramError(`--add-scram: unknown mechanism ${mechanism}`);
  const a = attributes(m[2]!);
  const user = unquote(a.get('name') ?? '');
  if (user === '') throw new AddScramError('--add-scram needs name=');
  const iterations = Number(a.get('iterations') ?? SCRAM_ITERATIONS_MIN);
  if (
    !Number.isInteger(iterations) ||
    iterations < SCRAM_ITERATIONS_MIN ||
    iterations > SCRAM_ITERATIONS_MAX
  ) {
    throw new AddScramError(
      `--add-scram iterations must be ${SCRAM_ITERATIONS_MIN}..${SCRAM_ITERATIONS_MAX}`,
    );
  }
  const password = a.get('password');
  const salt = hexBytes(a.get('salt'), 'salt') ?? randomBytes(32);
  const salted = hexBytes(a.get('saltedpassword'), 'saltedpassword');
  if ((password === undefined) === (salted === null)) {
    throw new AddScramError('--add-scram needs exactly one of password= and saltedpassword=');
  }
  const saltedBytes =
    salted ?? saltedPassword(mechanism, unquote(password ?? ''), salt, iterations);
  return {
    user,
    mechanism,
    credential: credentialFromSaltedPassword(mechanism, salt, saltedBytes, iterations),
  };
}

/** Creates each credential whose user has none yet for its mechanism; returns those created. */
export async function bootstrapCredentials(
  store: ScramCredentialStore,
  credentials: readonly BootstrapCredential[],
): Promise<BootstrapCredential[]> {
  const created: BootstrapCredential[] = [];
  for (const c of credentials) {
    if (await store.createIfAbsent(c.user, c.mechanism, c.credential)) created.push(c);
  }
  return created;
}
