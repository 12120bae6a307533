// SCRAM credential administration as Kafka's Admin client does it (KIP-554): the client salts
// the password itself (a random salt, PBKDF2 with the mechanism's hash) and sends only the
// salted password; describing returns mechanisms and iteration counts, never keys.

import { randomBytes } from 'node:crypto';
import { AlterUserScramCredentials } from '../protocol/apis/alter-user-scram-credentials.ts';
import { DescribeUserScramCredentials } from '../protocol/apis/describe-user-scram-credentials.ts';
import {
  isScramMechanism,
  SCRAM_ITERATIONS_MIN,
  SCRAM_MECHANISM_TYPES,
  type ScramMechanism,
  saltedPassword,
  scramMechanismOfType,
} from '../protocol/sasl/scram-crypto.ts';
import { ErrorCode, kafkaError, throwIfError } from './errors.ts';
import type { KafkaClient } from './kafka-client.ts';

export type { ScramMechanism } from '../protocol/sasl/scram-crypto.ts';
export { isScramMechanism };
/** Kafka's tools use 4096 iterations unless told otherwise (also the minimum). */
export const SCRAM_ITERATIONS_DEFAULT = SCRAM_ITERATIONS_MIN;

export interface ScramCredentialInfo {
  readonly mechanism: ScramMechanism;
  readonly iterations: number;
}

export interface UserScramCredentials {
  readonly user: string;
  readonly credentials: readonly ScramCredentialInfo[];
}

export type ScramAlteration =
  | {
      readonly kind: 'upsert';
      readonly user: string;
      readonly mechanism: ScramMechanism;
      readonly iterations: number;
      readonly password: string;
    }
  | { readonly kind: 'delete'; readonly user: string; readonly mechanism: ScramMechanism };

/** Describes the named users (all users with credentials when `users` is null or empty). */
export async function describeUserScramCredentials(
  client: KafkaClient,
  users: readonly string[] | null,
): Promise<UserScramCredentials[]> {
  const body = { users: users === null ? null : users.map((name) => ({ name })) };
  const response = await client.sendToController(DescribeUserScramCredentials, body);
  throwIfError(response.errorCode, response.errorMessage);
  const out: UserScramCredentials[] = [];
  for (const r of response.results) {
    if (r.errorCode === ErrorCode.RESOURCE_NOT_FOUND) continue;
    throwIfError(r.errorCode, r.errorMessage);
    const credentials = r.credentialInfos.flatMap((c) => {
      const mechanism = scramMechanismOfType(c.mechanism);
      return mechanism === null ? [] : [{ mechanism, iterations: c.iterations }];
    });
    out.push({ user: r.user, credentials });
  }
  return out;
}

/** Applies the alterations; throws the first user's error (with the broker's message). */
export async function alterUserScramCredentials(
  client: KafkaClient,
  alterations: readonly ScramAlteration[],
): Promise<void> {
  const deletions = alterations.flatMap((a) =>
    a.kind === 'delete' ? [{ name: a.user, mechanism: SCRAM_MECHANISM_TYPES[a.mechanism] }] : [],
  );
  const upsertions = alterations.flatMap((a) => {
    if (a.kind !== 'upsert') return [];
    const salt = randomBytes(32);
    return [
      {
        name: a.user,
        mechanism: SCRAM_MECHANISM_TYPES[a.mechanism],
        iterations: a.iterations,
        salt,
        saltedPassword: saltedPassword(a.mechanism, a.password, salt, a.iterations),
      },
    ];
  });
  const response = await client.sendToController(AlterUserScramCredentials, {
    deletions,
    upsertions,
  });
  for (const r of response.results) {
    if (r.errorCode !== ErrorCode.NONE) throw kafkaError(r.errorCode, r.errorMessage);
  }
}
