// The one place that knows where each piece of cluster metadata lives in the store:
// every key is under `/gregor/<cluster-id>/` (ARCHITECTURE.md, "Metadata keys"), except
// the cluster id itself, which sits beside those roots at `/gregor/cluster/id` because a
// broker must read it before it knows its cluster's root. It builds keys and prefixes and
// parses a key back into what it names, so a single watch on the cluster root can be
// dispatched. It knows nothing of the values stored under the keys.

/** Names that may contain any character are percent-encoded; an empty name is `<default>`. */
const DEFAULT_NAME = '<default>';

export const defaultRootPrefix = '/gregor/';

/**
 * The key holding the id of the one cluster whose metadata lives under `rootPrefix`. A
 * cluster id never contains '/', so no cluster's root (`<rootPrefix><id>/`) contains it.
 */
export function clusterIdKey(rootPrefix: string = defaultRootPrefix): string {
  checkRootPrefix(rootPrefix);
  return `${rootPrefix}cluster/id`;
}

function checkRootPrefix(rootPrefix: string): void {
  if (!rootPrefix.endsWith('/')) throw new RangeError('rootPrefix must end with "/"');
}

export type QuotaEntityType = 'user' | 'client-id' | 'ip';

/** One part of a client-quota entity; a null name is the default entity of that type. */
export interface QuotaEntityPart {
  readonly type: QuotaEntityType;
  readonly name: string | null;
}

const QUOTA_ENTITY_TYPES: readonly QuotaEntityType[] = ['user', 'client-id', 'ip'];

/** What a key under the cluster root names. */
export type ParsedKey =
  | { readonly type: 'broker'; readonly brokerId: number }
  | { readonly type: 'controller' }
  | { readonly type: 'controller-epoch' }
  | { readonly type: 'topic'; readonly topic: string }
  | { readonly type: 'partition'; readonly topic: string; readonly partition: number }
  | { readonly type: 'config'; readonly resourceType: string; readonly name: string }
  | {
      readonly type: 'acl';
      readonly resourceType: string;
      readonly patternType: string;
      readonly name: string;
    }
  | { readonly type: 'quota'; readonly entity: readonly QuotaEntityPart[] }
  | { readonly type: 'scram-credential'; readonly user: string; readonly mechanism: string };

function encodeName(name: string): string {
  return name === '' ? DEFAULT_NAME : encodeURIComponent(name);
}

function decodeName(segment: string): string | null {
  if (segment === DEFAULT_NAME) return '';
  try {
    const name = decodeURIComponent(segment);
    // Only the canonical encoding is ours; anything else is not a key we wrote.
    return encodeURIComponent(name) === segment && name !== '' ? name : null;
  } catch {
    return null;
  }
}

function decodeIndex(segment: string): number | null {
  if (!/^(0|[1-9][0-9]{0,9})$/.test(segment)) return null;
  const value = Number(segment);
  return value <= 2_147_483_647 ? value : null;
}

function checkIndex(value: number, what: string): void {
  if (!Number.isInteger(value) || value < 0 || value > 2_147_483_647) {
    throw new RangeError(`${what} must be an int32 >= 0, got ${value}`);
  }
}

export class KeyLayout {
  /** `/gregor/<cluster-id>/`; every key of this cluster starts with it. */
  readonly root: string;

  constructor(
    readonly clusterId: string,
    options: { rootPrefix?: string } = {},
  ) {
    const rootPrefix = options.rootPrefix ?? defaultRootPrefix;
    if (clusterId === '' || clusterId.includes('/')) {
      throw new RangeError(`cluster id ${JSON.stringify(clusterId)} must be non-empty without '/'`);
    }
    checkRootPrefix(rootPrefix);
    this.root = `${rootPrefix}${clusterId}/`;
  }

  brokersPrefix(): string {
    return `${this.root}brokers/`;
  }

  broker(brokerId: number): string {
    checkIndex(brokerId, 'broker id');
    return `${this.brokersPrefix()}${brokerId}`;
  }

  controller(): string {
    return `${this.root}controller`;
  }

  controllerEpoch(): string {
    return `${this.root}controller_epoch`;
  }

  /** Holds both topic keys and their partition keys; `parse` tells them apart. */
  topicsPrefix(): string {
    return `${this.root}topics/`;
  }

  topic(topic: string): string {
    if (topic === '') throw new RangeError('a topic name must not be empty');
    return `${this.topicsPrefix()}${encodeName(topic)}`;
  }

  /** The partition keys of one topic (and nothing of another topic). */
  partitionsPrefix(topic: string): string {
    return `${this.topic(topic)}/partitions/`;
  }

  partition(topic: string, partition: number): string {
    checkIndex(partition, 'partition');
    return `${this.partitionsPrefix(topic)}${partition}`;
  }

  /** All configs, or those of one resource type ('topic', 'broker', ...). */
  configsPrefix(resourceType?: string): string {
    const base = `${this.root}configs/`;
    return resourceType === undefined ? base : `${base}${encodeName(resourceType)}/`;
  }

  /** Dynamic config overrides of one resource; name '' is the cluster-wide default. */
  config(resourceType: string, name: string): string {
    return `${this.configsPrefix(resourceType)}${encodeName(name)}`;
  }

  aclsPrefix(): string {
    return `${this.root}acls/`;
  }

  /** The ACL entries of one resource pattern (e.g. 'topic', 'literal', 'orders'). */
  acl(resourceType: string, patternType: string, name: string): string {
    const pattern = `${encodeName(resourceType)}/${encodeName(patternType)}`;
    return `${this.aclsPrefix()}${pattern}/${encodeName(name)}`;
  }

  quotasPrefix(): string {
    return `${this.root}quotas/`;
  }

  /** Client quotas of one entity, such as [{ type: 'user', name: 'alice' }]. */
  quota(entity: readonly QuotaEntityPart[]): string {
    return `${this.quotasPrefix()}${encodeQuotaEntity(entity)}`;
  }

  /** Every user's SCRAM credentials. */
  scramCredentialsPrefix(): string {
    return `${this.root}scram/`;
  }

  /** One user's stored SCRAM credential for one mechanism ('SCRAM-SHA-256'...). */
  scramCredential(user: string, mechanism: string): string {
    if (user === '' || mechanism === '') throw new RangeError('user and mechanism are non-empty');
    return `${this.scramCredentialsPrefix()}${encodeName(user)}/${encodeName(mechanism)}`;
  }

  /** What `key` names, or null if it is not a key of this layout. */
  parse(key: string): ParsedKey | null {
    if (!key.startsWith(this.root)) return null;
    const segments = key.slice(this.root.length).split('/');
    return parseSegments(segments);
  }
}

function encodeQuotaEntity(entity: readonly QuotaEntityPart[]): string {
  if (entity.length === 0) throw new RangeError('a quota entity has at least one part');
  const sorted = [...entity].sort(
    (a, b) => QUOTA_ENTITY_TYPES.indexOf(a.type) - QUOTA_ENTITY_TYPES.indexOf(b.type),
  );
  if (sorted.some((part) => part.name === '')) {
    throw new RangeError('a quota entity name is null (default) or non-empty');
  }
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]?.type === sorted[i - 1]?.type) throw new RangeError('repeated quota entity type');
  }
  return sorted
    .map(
      (part) => `${part.type}=${part.name === null ? DEFAULT_NAME : encodeURIComponent(part.name)}`,
    )
    .join(',');
}

function decodeQuotaEntity(segment: string): QuotaEntityPart[] | null {
  const parts: QuotaEntityPart[] = [];
  for (const item of segment.split(',')) {
    const [type, encoded, ...rest] = item.split('=');
    if (rest.length > 0 || encoded === undefined) return null;
    if (!QUOTA_ENTITY_TYPES.includes(type as QuotaEntityType)) return null;
    const name = encoded === DEFAULT_NAME ? null : decodeName(encoded);
    if (name === '' || (name === null && encoded !== DEFAULT_NAME)) return null;
    if (parts.some((part) => part.type === type)) return null;
    parts.push({ type: type as QuotaEntityType, name });
  }
  return encodeQuotaEntity(parts) === segment ? parts : null;
}

function parseSegments(segments: readonly string[]): ParsedKey | null {
  const [first, second, third, fourth, ...rest] = segments;
  if (rest.length > 0) return null;
  switch (first) {
    case 'controller':
      return second === undefined ? { type: 'controller' } : null;
    case 'controller_epoch':
      return second === undefined ? { type: 'controller-epoch' } : null;
    case 'brokers': {
      if (second === undefined || third !== undefined) return null;
      const brokerId = decodeIndex(second);
      return brokerId === null ? null : { type: 'broker', brokerId };
    }
    case 'topics':
      return parseTopicSegments(second, third, fourth);
    case 'configs':
      return parseConfigSegments(second, third, fourth);
    case 'acls':
      return parseAclSegments(second, third, fourth);
    case 'scram': {
      if (second === undefined || third === undefined || fourth !== undefined) return null;
      const user = decodeName(second);
      const mechanism = decodeName(third);
      if (user === null || user === '' || mechanism === null || mechanism === '') return null;
      return { type: 'scram-credential', user, mechanism };
    }
    case 'quotas': {
      if (second === undefined || third !== undefined) return null;
      const entity = decodeQuotaEntity(second);
      return entity === null ? null : { type: 'quota', entity };
    }
    default:
      return null;
  }
}

function parseTopicSegments(
  name: string | undefined,
  kind: string | undefined,
  index: string | undefined,
): ParsedKey | null {
  const topic = name === undefined ? null : decodeName(name);
  if (topic === null || topic === '') return null;
  if (kind === undefined) return { type: 'topic', topic };
  if (kind !== 'partitions' || index === undefined) return null;
  const partition = decodeIndex(index);
  return partition === null ? null : { type: 'partition', topic, partition };
}

function parseConfigSegments(
  type: string | undefined,
  name: string | undefined,
  extra: string | undefined,
): ParsedKey | null {
  if (type === undefined || name === undefined || extra !== undefined) return null;
  const resourceType = decodeName(type);
  const decoded = decodeName(name);
  if (resourceType === null || resourceType === '' || decoded === null) return null;
  return { type: 'config', resourceType, name: decoded };
}

function parseAclSegments(
  type: string | undefined,
  pattern: string | undefined,
  name: string | undefined,
): ParsedKey | null {
  if (type === undefined || pattern === undefined || name === undefined) return null;
  const resourceType = decodeName(type);
  const patternType = decodeName(pattern);
  const decoded = decodeName(name);
  if (resourceType === null || patternType === null || decoded === null) return null;
  if (resourceType === '' || patternType === '') return null;
  return { type: 'acl', resourceType, patternType, name: decoded };
}
