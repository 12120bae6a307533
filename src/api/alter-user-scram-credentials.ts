// AlterUserScramCredentials handler (key 51), version 0: deletes and upserts SCRAM
// credentials (KIP-554). The client sends the salt, iterations and salted password; the
// broker stores StoredKey and ServerKey derived from them, never the salted password.
// Behaviour: checks as Kafka's (empty user, unknown mechanism, iterations outside
// 4096..16384, empty salt, one user and mechanism twice in a request, deleting a credential
// that does not exist); a user with any failed change gets its error and none of its changes,
// the other users' changes are written in one transaction. No authorizer yet (see README).

import { AlterUserScramCredentials } from '../protocol/apis/alter-user-scram-credentials.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import {
  credentialFromSaltedPassword,
  SCRAM_ITERATIONS_MAX,
  SCRAM_ITERATIONS_MIN,
  type ScramMechanism,
  scramMechanismOfType,
} from '../protocol/sasl/scram-crypto.ts';
import type { CredentialChange, ScramCredentialStore } from '../security/scram-credential-store.ts';
import type { ApiHandler, RequestOf, ResponseOf } from './handler.ts';

type Request = RequestOf<typeof AlterUserScramCredentials>;
type Response = ResponseOf<typeof AlterUserScramCredentials>;
type Upsertion = Request['upsertions'][number];

interface Failure {
  readonly errorCode: number;
  readonly errorMessage: string;
}

function checkUpsertion(u: Upsertion): Failure | null {
  if (u.iterations < SCRAM_ITERATIONS_MIN) {
    return { errorCode: ErrorCode.UNACCEPTABLE_CREDENTIAL, errorMessage: 'Too few iterations' };
  }
  if (u.iterations > SCRAM_ITERATIONS_MAX) {
    return { errorCode: ErrorCode.UNACCEPTABLE_CREDENTIAL, errorMessage: 'Too many iterations' };
  }
  if (u.salt.length === 0 || u.saltedPassword.length === 0) {
    return {
      errorCode: ErrorCode.UNACCEPTABLE_CREDENTIAL,
      errorMessage: 'Salt and salted password must not be empty',
    };
  }
  return null;
}

class Plan {
  readonly failures = new Map<string, Failure>();
  readonly changes: CredentialChange[] = [];
  readonly users: string[] = [];
  private readonly seen = new Set<string>();

  fail(user: string, failure: Failure): void {
    if (!this.failures.has(user)) this.failures.set(user, failure);
  }

  /** The mechanism, or null after recording why the change cannot be made. */
  accept(user: string, type: number): ScramMechanism | null {
    if (!this.users.includes(user)) this.users.push(user);
    if (user === '') {
      this.fail(user, {
        errorCode: ErrorCode.UNACCEPTABLE_CREDENTIAL,
        errorMessage: 'Username must not be empty',
      });
      return null;
    }
    const mechanism = scramMechanismOfType(type);
    if (mechanism === null) {
      this.fail(user, {
        errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM,
        errorMessage: 'Unknown SCRAM mechanism',
      });
      return null;
    }
    const key = `${user}\u0000${mechanism}`;
    if (this.seen.has(key)) {
      this.fail(user, {
        errorCode: ErrorCode.DUPLICATE_RESOURCE,
        errorMessage: 'A user credential cannot be altered twice in the same request',
      });
      return null;
    }
    this.seen.add(key);
    return mechanism;
  }
}

async function plan(req: Request, store: ScramCredentialStore): Promise<Plan> {
  const p = new Plan();
  const existing = new Set((await store.describe()).map((i) => `${i.user}\u0000${i.mechanism}`));
  for (const d of req.deletions) {
    const mechanism = p.accept(d.name, d.mechanism);
    if (mechanism === null) continue;
    if (!existing.has(`${d.name}\u0000${mechanism}`)) {
      p.fail(d.name, {
        errorCode: ErrorCode.RESOURCE_NOT_FOUND,
        errorMessage: 'Attempt to delete a user credential that does not exist',
      });
      continue;
    }
    p.changes.push({ kind: 'delete', user: d.name, mechanism });
  }
  for (const u of req.upsertions) {
    const mechanism = p.accept(u.name, u.mechanism);
    if (mechanism === null) continue;
    const bad = checkUpsertion(u);
    if (bad !== null) {
      p.fail(u.name, bad);
      continue;
    }
    const credential = credentialFromSaltedPassword(
      mechanism,
      u.salt,
      u.saltedPassword,
      u.iterations,
    );
    p.changes.push({ kind: 'upsert', user: u.name, mechanism, credential });
  }
  return p;
}

export function alterUserScramCredentialsHandler(
  store: ScramCredentialStore,
): ApiHandler<typeof AlterUserScramCredentials> {
  return {
    api: AlterUserScramCredentials,
    minVersion: 0,
    maxVersion: 0,
    async handle(req: Request): Promise<Response> {
      const p = await plan(req, store);
      await store.apply(p.changes.filter((c) => !p.failures.has(c.user)));
      const results = p.users.map((user) => {
        const failure = p.failures.get(user);
        return failure === undefined
          ? { user, errorCode: ErrorCode.NONE, errorMessage: null }
          : { user, ...failure };
      });
      return { throttleTimeMs: 0, results };
    },
  };
}
