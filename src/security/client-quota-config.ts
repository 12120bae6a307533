// Client quotas as configured: the values stored per entity under
// `quotas/<entity>` (user, client-id or both; a null name is that type's
// `<default>`), kept in memory from the metadata loader's changes in revision
// order, with Kafka's validation of alterations, Kafka's filter for
// DescribeClientQuotas, and Kafka's precedence for which entity's quota
// applies to a (user, client id) pair (DefaultQuotaCallback). Pure.

import type { QuotaEntityPart, QuotaEntityType } from '../metadata/key-layout.ts';

export type QuotaKey = 'producer_byte_rate' | 'consumer_byte_rate' | 'request_percentage';

/** The keys Gregor enforces, with Kafka's types (LONG values must be whole numbers). */
export const QUOTA_KEYS: Readonly<Record<QuotaKey, 'long' | 'double'>> = {
  producer_byte_rate: 'long',
  consumer_byte_rate: 'long',
  request_percentage: 'double',
};

/** Kafka's entity type names. */
export const USER = 'user';
export const CLIENT_ID = 'client-id';
export const IP = 'ip';

export type QuotaValues = Readonly<Partial<Record<QuotaKey, number>>>;

export interface QuotaEntry {
  readonly entity: readonly QuotaEntityPart[];
  readonly values: QuotaValues;
}

/** The metric tags Kafka groups a client's usage by: '' where the quota is not per that part. */
export interface QuotaTags {
  readonly user: string;
  readonly clientId: string;
}

/** `user=alice,client-id=<default>` style, ordered user then client-id. */
export function entityKey(entity: readonly QuotaEntityPart[]): string {
  return [...entity]
    .sort((a, b) => a.type.localeCompare(b.type) * -1)
    .map((p) => `${p.type}=${p.name === null ? '\u0000default' : p.name}`)
    .join(',');
}

const key = (user: string | null | undefined, clientId: string | null | undefined): string => {
  const parts: QuotaEntityPart[] = [];
  if (user !== undefined) parts.push({ type: 'user', name: user });
  if (clientId !== undefined) parts.push({ type: 'client-id', name: clientId });
  return entityKey(parts);
};

/** Why an entity cannot carry client quotas (Kafka's INVALID_REQUEST message), or null. */
export function entityProblem(
  entity: readonly { type: string; name: string | null }[],
): string | null {
  if (entity.length === 0) return 'Invalid empty client quota entity';
  const seen = new Set<string>();
  for (const p of entity) {
    if (seen.has(p.type)) return `Invalid client quota entity, duplicate entity entry ${p.type}`;
    seen.add(p.type);
    if (p.type === IP) return 'ip quotas (connection_creation_rate) are not supported by Gregor';
    if (p.type !== USER && p.type !== CLIENT_ID)
      return `Unhandled client quota entity type: ${p.type}`;
    if (p.name !== null && p.name === '') return `Empty ${p.type} not supported`;
  }
  return null;
}

/** Why a quota key or value is refused (Kafka's messages), or null. */
export function quotaValueProblem(name: string, value: number): string | null {
  const type = (QUOTA_KEYS as Record<string, 'long' | 'double' | undefined>)[name];
  if (name === 'controller_mutation_rate')
    return 'controller_mutation_rate is not supported by Gregor';
  if (type === undefined) return `Invalid configuration key ${name}`;
  if (!(value > 0)) return `Quota ${name} must be greater than 0`;
  if (type === 'long') {
    if (value > Number.MAX_SAFE_INTEGER)
      return `Proposed value for ${name} is too large for a LONG.`;
    if (Math.abs(value % 1) > 1e-6) return `${name} cannot be a fractional value.`;
  }
  return null;
}

export type DescribeFilterComponent = {
  readonly entityType: string;
  /** 0 exact name, 1 the default entity, 2 any entity with this type. */
  readonly matchType: number;
  readonly match: string | null;
};

export class ClientQuotaConfig {
  private readonly byKey = new Map<string, QuotaEntry>();

  /** The values stored for one entity now (null: its key was deleted). */
  applyStored(entity: readonly QuotaEntityPart[], value: unknown): void {
    const k = entityKey(entity);
    const values = decodeValues(value);
    if (values === null || Object.keys(values).length === 0) this.byKey.delete(k);
    else this.byKey.set(k, { entity: [...entity], values });
  }

  entries(): QuotaEntry[] {
    return [...this.byKey.values()];
  }

  get(entity: readonly QuotaEntityPart[]): QuotaValues {
    return this.byKey.get(entityKey(entity))?.values ?? {};
  }

  private has(quota: QuotaKey, k: string): boolean {
    return this.byKey.get(k)?.values[quota] !== undefined;
  }

  private limitAt(quota: QuotaKey, k: string): number | null {
    return this.byKey.get(k)?.values[quota] ?? null;
  }

  /**
   * Kafka's DefaultQuotaCallback.quotaMetricTags: which usage a client shares. The first
   * entity holding this quota, in Kafka's order (user+client, user+default client, user,
   * default user+client, default user+default client, default user, client, default
   * client), decides whether usage is counted per user, per client id, or per both.
   */
  tags(quota: QuotaKey, user: string, clientId: string): QuotaTags {
    if (this.has(quota, key(user, clientId))) return { user, clientId };
    if (this.has(quota, key(user, null))) return { user, clientId };
    if (this.has(quota, key(user, undefined))) return { user, clientId: '' };
    if (this.has(quota, key(null, clientId))) return { user, clientId };
    if (this.has(quota, key(null, null))) return { user, clientId };
    if (this.has(quota, key(null, undefined))) return { user, clientId: '' };
    return { user: '', clientId };
  }

  /** Kafka's DefaultQuotaCallback.quotaLimit: the quota for these tags, or null for none. */
  limit(quota: QuotaKey, tags: QuotaTags): number | null {
    const { user, clientId } = tags;
    if (user !== '' && clientId !== '') {
      return (
        this.limitAt(quota, key(user, clientId)) ??
        this.limitAt(quota, key(user, null)) ??
        this.limitAt(quota, key(null, clientId)) ??
        this.limitAt(quota, key(null, null))
      );
    }
    if (user !== '')
      return this.limitAt(quota, key(user, undefined)) ?? this.limitAt(quota, key(null, undefined));
    if (clientId !== '')
      return (
        this.limitAt(quota, key(undefined, clientId)) ?? this.limitAt(quota, key(undefined, null))
      );
    return null;
  }

  /**
   * Kafka's ClientQuotasImage.describe: the entities that have every exact (or default)
   * component and every "any" component's type; strict: no other parts. Throws with
   * Kafka's message for a filter it refuses.
   */
  describe(components: readonly DescribeFilterComponent[], strict: boolean): QuotaEntry[] {
    const exact = new Map<string, string | null>();
    const anyOf = new Set<string>();
    for (const c of components) {
      if (c.entityType === '') throw new QuotaFilterError('Invalid empty entity type.');
      if (exact.has(c.entityType) || anyOf.has(c.entityType))
        throw new QuotaFilterError(
          `Entity type ${c.entityType} cannot appear more than once in the filter.`,
        );
      if (![USER, CLIENT_ID, IP].includes(c.entityType))
        throw new QuotaFilterError(`Unsupported entity type ${c.entityType}`, true);
      if (c.matchType === 0) {
        if (c.match === null)
          throw new QuotaFilterError(
            'Request specified MATCH_TYPE_EXACT, but set match string to null.',
          );
        exact.set(c.entityType, c.match);
      } else if (c.matchType === 1) {
        if (c.match !== null)
          throw new QuotaFilterError(
            'Request specified MATCH_TYPE_DEFAULT, but also specified a match string.',
          );
        exact.set(c.entityType, null);
      } else if (c.matchType === 2) {
        if (c.match !== null)
          throw new QuotaFilterError(
            'Request specified MATCH_TYPE_SPECIFIED, but also specified a match string.',
          );
        anyOf.add(c.entityType);
      } else throw new QuotaFilterError(`Unknown match type ${c.matchType}`);
    }
    return this.entries().filter((e) => {
      if (strict && e.entity.length !== exact.size + anyOf.size) return false;
      const byType = new Map<string, string | null>(e.entity.map((p) => [p.type, p.name]));
      for (const [type, name] of exact)
        if (!byType.has(type) || byType.get(type) !== name) return false;
      for (const type of anyOf) if (!byType.has(type)) return false;
      return true;
    });
  }
}

export class QuotaFilterError extends Error {
  /** True for an entity type Kafka answers with UNSUPPORTED_VERSION. */
  constructor(
    message: string,
    readonly unsupported = false,
  ) {
    super(message);
  }
}

/** A stored value: `{ "producer_byte_rate": 1048576, ... }`; unknown keys are ignored. */
export function decodeValues(value: unknown): QuotaValues | null {
  if (typeof value !== 'object' || value === null) return null;
  const out: Partial<Record<QuotaKey, number>> = {};
  for (const k of Object.keys(QUOTA_KEYS) as QuotaKey[]) {
    const v = (value as Record<string, unknown>)[k];
    if (typeof v === 'number' && v > 0) out[k] = v;
  }
  return out;
}

export function toEntityParts(
  entity: readonly { entityType: string; entityName: string | null }[],
): QuotaEntityPart[] {
  return entity.map((e) => ({ type: e.entityType as QuotaEntityType, name: e.entityName }));
}
