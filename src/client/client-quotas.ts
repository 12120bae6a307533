// Client quota admin calls as Kafka's Admin client makes them
// (describeClientQuotas, alterClientQuotas), sent to any broker: every broker
// holds every quota through the metadata store. An entity is a list of
// (type, name) parts, a null name being the type's default.

import { AlterClientQuotas } from '../protocol/apis/alter-client-quotas.ts';
import { DescribeClientQuotas } from '../protocol/apis/describe-client-quotas.ts';
import { throwIfError } from './errors.ts';
import type { KafkaClient } from './kafka-client.ts';

export interface QuotaEntityPart {
  /** 'user', 'client-id' or 'ip'. */
  readonly type: string;
  readonly name: string | null;
}

export interface QuotaFilterComponent {
  readonly type: string;
  /** A name, or null for the default entity; undefined for any entity of the type. */
  readonly name?: string | null;
}

export interface DescribedQuotas {
  readonly entity: readonly QuotaEntityPart[];
  readonly values: ReadonlyMap<string, number>;
}

export async function describeClientQuotas(
  client: KafkaClient,
  components: readonly QuotaFilterComponent[],
  strict: boolean,
): Promise<DescribedQuotas[]> {
  const response = await client.sendToAny(DescribeClientQuotas, {
    components: components.map((c) => ({
      entityType: c.type,
      matchType: c.name === undefined ? 2 : c.name === null ? 1 : 0,
      match: c.name ?? null,
    })),
    strict,
  });
  throwIfError(response.errorCode, response.errorMessage);
  return (response.entries ?? []).map((e) => ({
    entity: e.entity.map((p) => ({ type: p.entityType, name: p.entityName })),
    values: new Map(e.values.map((v) => [v.key, v.value])),
  }));
}

/** Sets (a number) or removes (null) quota keys of one entity. */
export async function alterClientQuotas(
  client: KafkaClient,
  entity: readonly QuotaEntityPart[],
  ops: ReadonlyMap<string, number | null>,
  validateOnly = false,
): Promise<void> {
  const response = await client.sendToAny(AlterClientQuotas, {
    entries: [
      {
        entity: entity.map((p) => ({ entityType: p.type, entityName: p.name })),
        ops: [...ops].map(([key, value]) => ({ key, value: value ?? 0, remove: value === null })),
      },
    ],
    validateOnly,
  });
  for (const e of response.entries) throwIfError(e.errorCode, e.errorMessage);
}
