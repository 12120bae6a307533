// DescribeUserScramCredentials handler (key 50), version 0: the SCRAM mechanisms and
// iteration counts stored for each user (KIP-554), read from the metadata store.
// Behaviour: a null or empty user list describes every user with a credential; a named user
// without one gets RESOURCE_NOT_FOUND, a user named twice DUPLICATE_RESOURCE, as in Kafka.
// No authorizer yet: any client that may connect may describe (Kafka without an authorizer).

import { DescribeUserScramCredentials } from '../protocol/apis/describe-user-scram-credentials.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import { SCRAM_MECHANISM_TYPES } from '../protocol/sasl/scram-crypto.ts';
import type {
  ScramCredentialStore,
  UserCredentialInfo,
} from '../security/scram-credential-store.ts';
import type { ApiHandler, RequestOf, ResponseOf } from './handler.ts';

type Response = ResponseOf<typeof DescribeUserScramCredentials>;
type Result = Response['results'][number];

function resultFor(user: string, infos: readonly UserCredentialInfo[]): Result {
  return {
    user,
    errorCode: ErrorCode.NONE,
    errorMessage: null,
    credentialInfos: infos.map((i) => ({
      mechanism: SCRAM_MECHANISM_TYPES[i.mechanism],
      iterations: i.iterations,
    })),
  };
}

function byUser(infos: readonly UserCredentialInfo[]): Map<string, UserCredentialInfo[]> {
  const users = new Map<string, UserCredentialInfo[]>();
  for (const info of infos) {
    const list = users.get(info.user) ?? [];
    list.push(info);
    users.set(info.user, list);
  }
  return users;
}

function namedResults(
  names: readonly string[],
  users: Map<string, UserCredentialInfo[]>,
): Result[] {
  const counts = new Map<string, number>();
  for (const n of names) counts.set(n, (counts.get(n) ?? 0) + 1);
  return [...counts].map(([user, count]): Result => {
    if (count > 1) {
      return {
        user,
        errorCode: ErrorCode.DUPLICATE_RESOURCE,
        errorMessage:
          'Cannot describe SCRAM credentials for the same user twice in a single request',
        credentialInfos: [],
      };
    }
    const infos = users.get(user);
    if (infos === undefined) {
      return {
        user,
        errorCode: ErrorCode.RESOURCE_NOT_FOUND,
        errorMessage: 'Attempt to describe a user credential that does not exist',
        credentialInfos: [],
      };
    }
    return resultFor(user, infos);
  });
}

export function describeUserScramCredentialsHandler(
  credentials: ScramCredentialStore,
): ApiHandler<typeof DescribeUserScramCredentials> {
  return {
    api: DescribeUserScramCredentials,
    minVersion: 0,
    maxVersion: 0,
    async handle(req: RequestOf<typeof DescribeUserScramCredentials>): Promise<Response> {
      const users = byUser(await credentials.describe());
      const names = req.users?.map((u) => u.name) ?? [];
      const results =
        names.length === 0
          ? [...users].sort(([a], [b]) => (a < b ? -1 : 1)).map(([u, infos]) => resultFor(u, infos))
          : namedResults(names, users);
      return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, results };
    },
  };
}
