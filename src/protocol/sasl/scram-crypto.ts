// The arithmetic of SCRAM (RFC 5802) for SHA-256 and SHA-512 (RFC 7677), shared by the broker's
// SCRAM server, its SCRAM client and the credential tools: Hi() (PBKDF2), the client and
// server keys, and the stored credential. Credentials keep the salt, the iteration count,
// StoredKey and ServerKey: enough to verify a client and to prove the server, never the
// password or the salted password.

import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';

export const SCRAM_MECHANISMS = ['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const;
export type ScramMechanism = (typeof SCRAM_MECHANISMS)[number];

/** Kafka's bounds on the iteration count of a stored credential. */
export const SCRAM_ITERATIONS_MIN = 4096;
export const SCRAM_ITERATIONS_MAX = 16384;

/** Kafka's wire numbering of SCRAM mechanisms (Describe/AlterUserScramCredentials). */
export const SCRAM_MECHANISM_TYPES: Readonly<Record<ScramMechanism, number>> = {
  'SCRAM-SHA-256': 1,
  'SCRAM-SHA-512': 2,
};

export function scramMechanismOfType(type: number): ScramMechanism | null {
  for (const m of SCRAM_MECHANISMS) if (SCRAM_MECHANISM_TYPES[m] === type) return m;
  return null;
}

export function isScramMechanism(name: string): name is ScramMechanism {
  return (SCRAM_MECHANISMS as readonly string[]).includes(name);
}

interface HashSpec {
  readonly digest: 'sha256' | 'sha512';
  readonly sizeBytes: number;
}

export function hashSpec(mechanism: ScramMechanism): HashSpec {
  return mechanism === 'SCRAM-SHA-256'
    ? { digest: 'sha256', sizeBytes: 32 }
    : { digest: 'sha512', sizeBytes: 64 };
}

export interface ScramCredential {
  readonly salt: Buffer;
  readonly iterations: number;
  readonly storedKey: Buffer;
  readonly serverKey: Buffer;
}

export function hmac(mechanism: ScramMechanism, key: Buffer, text: string | Buffer): Buffer {
  return createHmac(hashSpec(mechanism).digest, key).update(text).digest();
}

export function hash(mechanism: ScramMechanism, data: Buffer): Buffer {
  return createHash(hashSpec(mechanism).digest).update(data).digest();
}

/** Hi(password, salt, i): PBKDF2 with the mechanism's HMAC (RFC 5802 section 2.2). */
export function saltedPassword(
  mechanism: ScramMechanism,
  password: string,
  salt: Buffer,
  iterations: number,
): Buffer {
  const spec = hashSpec(mechanism);
  return pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, spec.sizeBytes, spec.digest);
}

export function clientKeyOf(mechanism: ScramMechanism, salted: Buffer): Buffer {
  return hmac(mechanism, salted, 'Client Key');
}

export function serverKeyOf(mechanism: ScramMechanism, salted: Buffer): Buffer {
  return hmac(mechanism, salted, 'Server Key');
}

/** The stored form of a salted password (what AlterUserScramCredentials sends). */
export function credentialFromSaltedPassword(
  mechanism: ScramMechanism,
  salt: Buffer,
  salted: Buffer,
  iterations: number,
): ScramCredential {
  return {
    salt,
    iterations,
    storedKey: hash(mechanism, clientKeyOf(mechanism, salted)),
    serverKey: serverKeyOf(mechanism, salted),
  };
}

/** A new credential with a random salt, as `--add-scram` and `configs --alter` make one. */
export function newCredential(
  mechanism: ScramMechanism,
  password: string,
  iterations: number,
  salt: Buffer = randomBytes(32),
): ScramCredential {
  const salted = saltedPassword(mechanism, password, salt, iterations);
  return credentialFromSaltedPassword(mechanism, salt, salted, iterations);
}

export function xor(a: Buffer, b: Buffer): Buffer {
  const out = Buffer.allocUnsafe(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! ^ b[i]!;
  return out;
}

/** Equal length and equal bytes, in time that does not depend on where they differ. */
export function constantTimeEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
