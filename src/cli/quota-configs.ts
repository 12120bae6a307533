// `gregor configs` for users and clients: kafka-configs.sh's client quotas.
// Entities are given as Kafka's tool takes them — --entity-type users|clients
// with --entity-name or --entity-default paired in order, or --user, --client,
// --user-defaults, --client-defaults — alone or as a (user, client) pair.
// --describe prints "Quota configs for user-principal 'alice' are
// producer_byte_rate=1048576.0" per entity (values as Java prints doubles);
// --alter sets --add-config and removes --delete-config keys with
// AlterClientQuotas; the command prints Kafka's "Completed updating ..." line.

import {
  alterClientQuotas,
  describeClientQuotas,
  type QuotaEntityPart,
  type QuotaFilterComponent,
} from '../client/client-quotas.ts';
import type { KafkaClient } from '../client/kafka-client.ts';
import { UsageError } from './tool-support.ts';

export type QuotaEntityType = 'users' | 'clients';

export interface QuotaEntitySpec {
  readonly type: QuotaEntityType;
  /** '' for the default entity, null for every entity of the type (describe only). */
  readonly name: string | null;
}

const WIRE_TYPE: Readonly<Record<QuotaEntityType, string>> = {
  users: 'user',
  clients: 'client-id',
};
const QUOTA_KEYS = new Set(['producer_byte_rate', 'consumer_byte_rate', 'request_percentage']);

/**
 * Pairs entity types with names as kafka-configs.sh does: --entity-type values then the
 * --user/--client flags' types, with --entity-name/--entity-default occurrences in
 * command-line order, then the flags' names ('' for a default).
 */
export function pairQuotaEntities(argv: readonly string[]): QuotaEntitySpec[] | null {
  const types: string[] = [];
  const names: string[] = [];
  const flagTypes: string[] = [];
  const flagNames: string[] = [];
  const defaultTypes: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const [flag, inline] = a.includes('=')
      ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)]
      : [a, undefined];
    const value = () => inline ?? argv[++i] ?? '';
    if (flag === '--entity-type') types.push(value());
    else if (flag === '--entity-name') names.push(value());
    else if (flag === '--entity-default') names.push('');
    else if (flag === '--client' || flag === '--user') {
      flagTypes.push(flag === '--client' ? 'clients' : 'users');
      flagNames.push(value());
    } else if (flag === '--client-defaults') defaultTypes.push('clients');
    else if (flag === '--user-defaults') defaultTypes.push('users');
  }
  const allTypes = [...types, ...flagTypes, ...defaultTypes];
  if (!allTypes.some((t) => t === 'users' || t === 'clients')) return null;
  const allNames = [...names, ...flagNames, ...defaultTypes.map(() => '')];
  if (allTypes.length !== new Set(allTypes).size)
    throw new UsageError(`Duplicate entity type(s) specified: ${allTypes.join(',')}`);
  if (allTypes.some((t) => t !== 'users' && t !== 'clients'))
    throw new UsageError("Only 'users' and 'clients' entity types may be specified together");
  if (allNames.length > allTypes.length)
    throw new UsageError('More entity names specified than entity types');
  return allTypes.map((type, i) => ({ type: type as QuotaEntityType, name: allNames[i] ?? null }));
}

/** Java's Double.toString, as kafka-configs.sh prints quota values: 1048576.0, 1.0E7. */
export function javaDouble(v: number): string {
  if (v === 0) return '0.0';
  const abs = Math.abs(v);
  if (abs >= 1e-3 && abs < 1e7) return Number.isInteger(v) ? `${v}.0` : String(v);
  const exponent = Math.floor(Math.log10(abs));
  const mantissa = Number((v / 10 ** exponent).toPrecision(15));
  return `${Number.isInteger(mantissa) ? `${mantissa}.0` : String(mantissa)}E${exponent}`;
}

function entityText(entity: readonly QuotaEntityPart[]): string {
  const part = (type: string, label: string) => {
    const p = entity.find((x) => x.type === type);
    if (p === undefined) return [];
    return [p.name === null ? `the default ${label}` : `${label} '${p.name}'`];
  };
  return [...part('user', 'user-principal'), ...part('client-id', 'client-id')].join(', ');
}

function components(specs: readonly QuotaEntitySpec[]): QuotaFilterComponent[] {
  return specs.map((s) => ({
    type: WIRE_TYPE[s.type],
    ...(s.name === null ? {} : { name: s.name === '' ? null : s.name }),
  }));
}

export async function describeQuotaConfigs(
  client: KafkaClient,
  specs: readonly QuotaEntitySpec[],
): Promise<void> {
  const found = await describeClientQuotas(client, components(specs), true);
  for (const e of found) {
    const values = [...e.values].map(([k, v]) => `${k}=${javaDouble(v)}`).join(', ');
    process.stdout.write(`Quota configs for ${entityText(e.entity)} are ${values}\n`);
  }
}

export async function alterQuotaConfigs(
  client: KafkaClient,
  specs: readonly QuotaEntitySpec[],
  add: ReadonlyMap<string, string>,
  remove: readonly string[],
): Promise<void> {
  if (specs.some((s) => s.name === null))
    throw new UsageError(
      '--entity-name or --entity-default must be specified with each --entity-type for --alter',
    );
  const unknown = [...add.keys(), ...remove].filter((k) => !QUOTA_KEYS.has(k));
  if (unknown.length > 0) {
    const what =
      specs[0]!.type === 'users' && specs.length === 1 ? 'quota and SCRAM credential' : 'quota';
    throw new UsageError(
      `Only ${what} configs can be ${add.size > 0 ? 'added' : 'deleted'} for '${specs[0]!.type}' using --bootstrap-server. Unexpected config names: ${unknown.join(',')}`,
    );
  }
  const comps = components(specs);
  const current = (await describeClientQuotas(client, comps, true))[0]?.values ?? new Map();
  const invalid = remove.filter((k) => !current.has(k));
  if (invalid.length > 0) throw new UsageError(`Invalid config(s): ${invalid.join(',')}`);
  const ops = new Map<string, number | null>();
  for (const [k, text] of add) {
    const v = Number(text);
    if (text.trim() === '' || Number.isNaN(v))
      throw new UsageError(`Cannot parse quota configuration value for ${k}: ${text}`);
    ops.set(k, v);
  }
  for (const k of remove) ops.set(k, null);
  await alterClientQuotas(
    client,
    comps.map((c) => ({ type: c.type, name: c.name ?? null })),
    ops,
  );
}

/** kafka-configs.sh's line after --alter, named by the first entity given. */
export function completedLine(head: QuotaEntitySpec): string {
  return head.name === ''
    ? `Completed updating default config for ${head.type} in the cluster.`
    : `Completed updating config for ${head.type.slice(0, -1)} ${head.name}.`;
}
