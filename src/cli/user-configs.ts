// `gregor configs --entity-type users`: SCRAM credentials as kafka-configs.sh manages them.
// --alter --add-config 'SCRAM-SHA-256=[iterations=8192,password=secret]' salts the password
// here and sends the salted form (AlterUserScramCredentials); --delete-config SCRAM-SHA-512
// removes one; --describe prints "SCRAM credential configs for user-principal 'alice' are
// SCRAM-SHA-256=iterations=8192". Quotas of users are not served yet, so other keys are refused.

import type { KafkaClient } from '../client/kafka-client.ts';
import {
  alterUserScramCredentials,
  describeUserScramCredentials,
  isScramMechanism,
  SCRAM_ITERATIONS_DEFAULT,
  type ScramAlteration,
  type ScramMechanism,
} from '../client/scram-admin.ts';

const DEFAULT_ITERATIONS = SCRAM_ITERATIONS_DEFAULT;

export class UserConfigError extends Error {
  override readonly name = 'UserConfigError';
}

function mechanismOf(name: string): ScramMechanism {
  if (!isScramMechanism(name)) {
    throw new UserConfigError(
      `Invalid config(s): ${name} (users take SCRAM-SHA-256 and SCRAM-SHA-512 here)`,
    );
  }
  return name;
}

/** `iterations=8192,password=secret` (the brackets already removed). */
function parseScramValue(
  mechanism: ScramMechanism,
  value: string,
): { iterations: number; password: string } {
  let iterations = DEFAULT_ITERATIONS;
  let password: string | null = null;
  for (const part of value.split(',')) {
    const eq = part.indexOf('=');
    const key = part.slice(0, eq).trim();
    const v = part.slice(eq + 1);
    if (key === 'iterations' && /^\d+$/.test(v.trim())) iterations = Number(v.trim());
    else if (key === 'password') password = v;
    else throw new UserConfigError(`Invalid ${mechanism} value: use [iterations=N,password=...]`);
  }
  if (password === null || password === '') {
    throw new UserConfigError(`${mechanism} needs a password: [iterations=N,password=...]`);
  }
  return { iterations, password };
}

export async function alterUser(
  client: KafkaClient,
  user: string,
  add: ReadonlyMap<string, string>,
  remove: readonly string[],
): Promise<void> {
  const alterations: ScramAlteration[] = [
    ...remove.map(
      (name): ScramAlteration => ({ kind: 'delete', user, mechanism: mechanismOf(name) }),
    ),
    ...[...add].map(([name, value]): ScramAlteration => {
      const mechanism = mechanismOf(name);
      return { kind: 'upsert', user, mechanism, ...parseScramValue(mechanism, value) };
    }),
  ];
  await alterUserScramCredentials(client, alterations);
  process.stdout.write(`Completed updating config for user ${user}.\n`);
}

export async function describeUsers(
  client: KafkaClient,
  user: string | null,
  json: boolean,
): Promise<void> {
  const described = await describeUserScramCredentials(client, user === null ? null : [user]);
  if (json) {
    for (const d of described)
      process.stdout.write(
        `${JSON.stringify({ entityType: 'users', entityName: d.user, credentials: d.credentials })}\n`,
      );
    return;
  }
  for (const d of described) {
    const list = d.credentials.map((c) => `${c.mechanism}=iterations=${c.iterations}`).join(', ');
    process.stdout.write(`SCRAM credential configs for user-principal '${d.user}' are ${list}\n`);
  }
}
