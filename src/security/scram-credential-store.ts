// SCRAM credentials in the metadata store, one key per user and mechanism
// (`scram/<user>/<mechanism>`, src/metadata/key-layout.ts). A value holds the salt, the
// iteration count, StoredKey and ServerKey (RFC 5802): a stolen store lets nobody log in
// without first cracking PBKDF2, and no password is ever written. Reads go to the store at
// each authentication, so a changed or deleted credential applies to the next login on every
// broker at once; writes are the AlterUserScramCredentials handler's and the bootstrap's.

import type { KeyLayout } from '../metadata/key-layout.ts';
import type { MetaStore, Op } from '../metadata/meta-store.ts';
import {
  isScramMechanism,
  type ScramCredential,
  type ScramMechanism,
} from '../protocol/sasl/scram-crypto.ts';
import type { ScramCredentials } from './sasl/scram-server.ts';

interface StoredCredential {
  readonly salt: string;
  readonly storedKey: string;
  readonly serverKey: string;
  readonly iterations: number;
}

export interface UserCredentialInfo {
  readonly user: string;
  readonly mechanism: ScramMechanism;
  readonly iterations: number;
}

export function encodeCredential(c: ScramCredential): string {
  const stored: StoredCredential = {
    salt: c.salt.toString('base64'),
    storedKey: c.storedKey.toString('base64'),
    serverKey: c.serverKey.toString('base64'),
    iterations: c.iterations,
  };
  return JSON.stringify(stored);
}

export function decodeCredential(text: string): ScramCredential | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Partial<Record<keyof StoredCredential, unknown>>;
  if (typeof v.salt !== 'string' || typeof v.storedKey !== 'string') return null;
  if (typeof v.serverKey !== 'string' || typeof v.iterations !== 'number') return null;
  return {
    salt: Buffer.from(v.salt, 'base64'),
    storedKey: Buffer.from(v.storedKey, 'base64'),
    serverKey: Buffer.from(v.serverKey, 'base64'),
    iterations: v.iterations,
  };
}

export type CredentialChange =
  | {
      readonly kind: 'upsert';
      readonly user: string;
      readonly mechanism: ScramMechanism;
      readonly credential: ScramCredential;
    }
  | { readonly kind: 'delete'; readonly user: string; readonly mechanism: ScramMechanism };

export class ScramCredentialStore implements ScramCredentials {
  constructor(
    private readonly store: MetaStore,
    private readonly keys: KeyLayout,
  ) {}

  async get(user: string, mechanism: ScramMechanism): Promise<ScramCredential | null> {
    const kv = await this.store.get(this.keys.scramCredential(user, mechanism));
    return kv === null ? null : decodeCredential(kv.value);
  }

  /** Every stored credential's user, mechanism and iterations (never the keys). */
  async describe(): Promise<UserCredentialInfo[]> {
    const range = await this.store.range(this.keys.scramCredentialsPrefix());
    const infos: UserCredentialInfo[] = [];
    for (const kv of range.kvs) {
      const parsed = this.keys.parse(kv.key);
      if (parsed?.type !== 'scram-credential' || !isScramMechanism(parsed.mechanism)) continue;
      const credential = decodeCredential(kv.value);
      if (credential === null) continue;
      infos.push({
        user: parsed.user,
        mechanism: parsed.mechanism,
        iterations: credential.iterations,
      });
    }
    return infos;
  }

  /** Applies the changes in one transaction (all or nothing). */
  async apply(changes: readonly CredentialChange[]): Promise<void> {
    if (changes.length === 0) return;
    const ops: Op[] = changes.map((c) =>
      c.kind === 'upsert'
        ? {
            type: 'put',
            key: this.keys.scramCredential(c.user, c.mechanism),
            value: encodeCredential(c.credential),
          }
        : { type: 'delete', key: this.keys.scramCredential(c.user, c.mechanism) },
    );
    await this.store.txn([], ops);
  }

  /** Creates the credential only if the user has none for the mechanism; true if created. */
  async createIfAbsent(
    user: string,
    mechanism: ScramMechanism,
    credential: ScramCredential,
  ): Promise<boolean> {
    const key = this.keys.scramCredential(user, mechanism);
    const result = await this.store.txn(
      [{ key, target: 'version', operator: '=', value: 0 }],
      [{ type: 'put', key, value: encodeCredential(credential) }],
    );
    return result.succeeded;
  }
}
