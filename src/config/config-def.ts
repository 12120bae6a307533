// The declarative table of every configuration key Gregor accepts, with Kafka's property
// names: type, default (as Kafka's text), valid values, importance and one line of meaning.
// Broker keys and topic keys are separate tables because a few names exist in both
// (compression.type, min.insync.replicas); a topic key lists the broker keys that supply its
// default ("synonyms", as Kafka calls them), in priority order. Data only: parsing lives in
// config-value.ts, merging of sources in broker-config.ts and topic-config.ts.

import {
  atLeast,
  between,
  type ConfigType,
  type ConfigValue,
  custom,
  oneOf,
  type Validator,
} from './config-value.ts';
import { parseListenerList, parseSecurityProtocolMap, SECURITY_PROTOCOLS } from './listeners.ts';
import { parseMetadataStore } from './metadata-store-location.ts';
import { DEFAULT_MESSAGE_FORMAT_VERSION, isKafkaVersionString } from './metadata-version.ts';
import { parsePrincipalMappingRules } from './principal-mapping-rules.ts';

export type Importance = 'high' | 'medium' | 'low';

/** Sections of docs/configuration.md, in order. */
export const BROKER_KEY_GROUPS = [
  'cluster',
  'listeners',
  'requests',
  'topics',
  'log',
  'replication',
  'groups',
  'transactions',
  'security',
  'authorization',
  'quotas',
] as const;
export type BrokerKeyGroup = (typeof BROKER_KEY_GROUPS)[number];

export interface ConfigKeyDef {
  readonly name: string;
  readonly type: ConfigType;
  /** Kafka's textual default; null means unset unless a synonym or rule supplies a value. */
  readonly default: string | null;
  readonly valid?: Validator;
  readonly importance: Importance;
  /** One line for DescribeConfigs and docs/configuration.md. */
  readonly doc: string;
}

export interface BrokerKeyDef extends ConfigKeyDef {
  readonly group: BrokerKeyGroup;
}

/** A broker key as written in its group's table; BROKER_CONFIG_DEFS adds the group. */
export type UngroupedKeyDef = Omit<BrokerKeyDef, 'group'>;

export interface TopicSynonym {
  /** A broker key whose value is this topic key's default. */
  readonly name: string;
  /** Multiply the broker value by this to get the topic value (hours or minutes to ms). */
  readonly scale?: number;
}

export interface TopicKeyDef extends ConfigKeyDef {
  /** Broker keys in priority order: the first with a non-null value supplies the default. */
  readonly synonyms: readonly TopicSynonym[];
  /** Any negative value means "no limit" and reads as -1 (retention.ms, as Kafka does). */
  readonly negativeIsUnlimited?: boolean;
}

export const COMPRESSION_TYPES = [
  'uncompressed',
  'zstd',
  'lz4',
  'snappy',
  'gzip',
  'producer',
] as const;
export type CompressionType = (typeof COMPRESSION_TYPES)[number];
export const CLEANUP_POLICIES = ['compact', 'delete'] as const;
export type CleanupPolicy = (typeof CLEANUP_POLICIES)[number];
export const TIMESTAMP_TYPES = ['CreateTime', 'LogAppendTime'] as const;
export type TimestampType = (typeof TIMESTAMP_TYPES)[number];
export const SASL_MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER'] as const;
export type SaslMechanism = (typeof SASL_MECHANISMS)[number];

/** Kafka's Long.MAX_VALUE, its spelling of "never"; parses to Number.MAX_SAFE_INTEGER. */
export const LONG_MAX_TEXT = '9223372036854775807';
const INT_MAX_TEXT = '2147483647';
const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;

function listItems(value: ConfigValue): readonly string[] {
  return Array.isArray(value) ? value : [];
}

const listenerList = custom('NAME://host:port, comma-separated', (value) => {
  const parsed = parseListenerList(listItems(value));
  return parsed.ok ? null : parsed.reason;
});

/** host:port with a port 0..65535, or empty for "off". */
export function parseHttpListener(text: string): { host: string; port: number } | null {
  const m = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]*):(\d{1,5})$/.exec(text);
  if (m === null || Number(m[2]) > 65535) return null;
  return { host: m[1] === '' ? '0.0.0.0' : m[1]!, port: Number(m[2]) };
}

const httpListener = custom('host:port, or empty for none', (value) =>
  value === '' || parseHttpListener(String(value)) !== null ? null : 'is not host:port',
);

const protocolMap = custom(`NAME:PROTOCOL, PROTOCOL in ${SECURITY_PROTOCOLS.join(', ')}`, (v) => {
  const parsed = parseSecurityProtocolMap(listItems(v));
  return parsed.ok ? null : parsed.reason;
});

const metadataStore = custom('embedded:[path] or etcd://host:port[,host:port...]', (value) => {
  const parsed = parseMetadataStore(String(value));
  return parsed.ok ? null : parsed.reason;
});

const nonEmptyString = custom('a non-empty string', (value) =>
  value === '' ? 'must not be empty' : null,
);

const directoryList = custom('one or more paths, no duplicates', (value) => {
  const items = listItems(value);
  if (items.length === 0 || items.includes('')) return 'needs one or more non-empty paths';
  if (new Set(items).size !== items.length) return 'a directory is listed twice';
  return null;
});

const clusterId = custom('22 characters of base64url (a Kafka Uuid)', (value) =>
  /^[A-Za-z0-9_-]{22}$/.test(String(value)) ? null : 'is not a 22-character base64url id',
);

const throttledReplicas = custom("'*', or partition:broker pairs, comma-separated", (value) => {
  const items = listItems(value);
  if (items.length === 1 && items[0] === '*') return null;
  const bad = items.find((item) => !/^\d+:\d+$/.test(item));
  return bad === undefined ? null : `'${bad}' is not partition:broker`;
});

const kafkaVersion = custom('a Kafka version, e.g. 2.8, 3.0-IV1', (value) =>
  isKafkaVersionString(String(value)) ? null : `Version ${String(value)} is not a valid version`,
);

const gzipLevel = custom('[1,...,9] or -1', (value) =>
  value === -1 || (typeof value === 'number' && value >= 1 && value <= 9)
    ? null
    : 'must be -1 (default) or 1..9',
);

const CLUSTER_KEYS: readonly UngroupedKeyDef[] = [
  {
    name: 'node.id',
    type: 'int',
    default: null,
    valid: atLeast(0),
    importance: 'high',
    doc: "This broker's id in the cluster. If neither node.id nor broker.id is set, it is 0.",
  },
  {
    name: 'broker.id',
    type: 'int',
    default: null,
    valid: atLeast(0),
    importance: 'high',
    doc: 'Older name for node.id. If both are set they must be equal.',
  },
  {
    name: 'broker.rack',
    type: 'string',
    default: null,
    importance: 'medium',
    doc:
      'Rack or zone of this broker; replica placement spreads a partition across racks. ' +
      'Empty means no rack.',
  },
  {
    name: 'cluster.id',
    type: 'string',
    default: null,
    valid: clusterId,
    importance: 'medium',
    doc: 'Expected cluster id. Unset: the first broker creates one in the metadata store and the others adopt it. A broker whose cluster.id or log directory (meta.properties) names another cluster than the store refuses to start.',
  },
  {
    name: 'metadata.store',
    type: 'string',
    default: 'embedded:',
    valid: metadataStore,
    importance: 'high',
    doc:
      'Where cluster metadata lives (Gregor): embedded: is a local file for a single broker; ' +
      'etcd://host:port,... is an etcd cluster shared by all brokers.',
  },
  {
    name: 'metadata.store.prefix',
    type: 'string',
    default: '/gregor/',
    valid: nonEmptyString,
    importance: 'medium',
    doc: 'Key prefix of this cluster in the metadata store, so clusters can share one etcd.',
  },
  {
    name: 'broker.session.timeout.ms',
    type: 'int',
    default: '9000',
    valid: atLeast(1),
    importance: 'medium',
    doc: "Lifetime of the broker's registration lease; a broker silent this long is fenced.",
  },
  {
    name: 'broker.heartbeat.interval.ms',
    type: 'int',
    default: '2000',
    valid: atLeast(1),
    importance: 'medium',
    doc: 'How often the broker renews its registration lease.',
  },
  {
    name: 'controlled.shutdown.enable',
    type: 'boolean',
    default: 'true',
    importance: 'medium',
    doc: 'On SIGTERM, move partition leadership away before stopping.',
  },
];

const LISTENER_KEYS: readonly UngroupedKeyDef[] = [
  {
    name: 'listeners',
    type: 'list',
    default: 'PLAINTEXT://localhost:9092',
    valid: listenerList,
    importance: 'high',
    doc:
      'Addresses to listen on, NAME://host:port; every listener is bound. An empty host ' +
      "means every interface; port 0 takes a free port. (Kafka's default is PLAINTEXT://:9092.)",
  },
  {
    name: 'advertised.listeners',
    type: 'list',
    default: null,
    valid: listenerList,
    importance: 'high',
    doc:
      'Addresses given to clients and other brokers when they differ from listeners, by ' +
      'listener name: a client is told the addresses of the listener it connected through. ' +
      "Unset: listeners, an empty host replaced by this machine's host name.",
  },
  {
    name: 'http.listener',
    type: 'string',
    default: '',
    valid: httpListener,
    importance: 'medium',
    doc:
      'Gregor: host:port of the HTTP endpoint serving Prometheus metrics (/metrics) and ' +
      'Kubernetes probes (/healthz, /readyz), e.g. 0.0.0.0:9404. Empty: no HTTP endpoint.',
  },
  {
    name: 'listener.security.protocol.map',
    type: 'list',
    default: 'PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL',
    valid: protocolMap,
    importance: 'low',
    doc:
      'Security protocol of each listener name; a listener whose name is not a protocol ' +
      'needs an entry. Only PLAINTEXT listeners start yet: a broker refuses to start, ' +
      'naming the listener, rather than serve SSL or SASL ones without security.',
  },
  {
    name: 'inter.broker.listener.name',
    type: 'string',
    default: null,
    importance: 'medium',
    doc:
      'Listener other brokers use to reach this one (followers fetch through it). Unset: ' +
      'the listener named after security.inter.broker.protocol. Either way it must be in ' +
      'advertised.listeners.',
  },
  {
    name: 'security.inter.broker.protocol',
    type: 'string',
    default: 'PLAINTEXT',
    valid: oneOf(...SECURITY_PROTOCOLS),
    importance: 'medium',
    doc: 'Names the inter-broker listener when inter.broker.listener.name is unset.',
  },
];

const REQUEST_KEYS: readonly UngroupedKeyDef[] = [
  {
    name: 'socket.request.max.bytes',
    type: 'int',
    default: '104857600',
    valid: atLeast(1),
    importance: 'high',
    doc:
      'Largest request accepted; a bigger frame closes the connection before it is read. Also ' +
      'the most bytes one batch may decompress to (MESSAGE_TOO_LARGE past it).',
  },
  {
    name: 'socket.send.buffer.bytes',
    type: 'int',
    default: '102400',
    valid: atLeast(-1),
    importance: 'high',
    doc: 'Socket send buffer (SO_SNDBUF); -1 keeps the operating system default.',
  },
  {
    name: 'socket.receive.buffer.bytes',
    type: 'int',
    default: '102400',
    valid: atLeast(-1),
    importance: 'high',
    doc: 'Socket receive buffer (SO_RCVBUF); -1 keeps the operating system default.',
  },
  {
    name: 'socket.listen.backlog.size',
    type: 'int',
    default: '50',
    valid: atLeast(1),
    importance: 'medium',
    doc: 'Length of the queue of connections not yet accepted.',
  },
  {
    name: 'num.network.threads',
    type: 'int',
    default: '3',
    valid: atLeast(1),
    importance: 'high',
    doc: 'Accepted for compatibility and shown by DescribeConfigs; Gregor has one event loop.',
  },
  {
    name: 'num.io.threads',
    type: 'int',
    default: '8',
    valid: atLeast(1),
    importance: 'high',
    doc: 'Accepted for compatibility and shown by DescribeConfigs; Gregor has one event loop.',
  },
  {
    name: 'queued.max.requests',
    type: 'int',
    default: '500',
    valid: atLeast(1),
    importance: 'high',
    doc:
      'Accepted for compatibility and shown by DescribeConfigs: Gregor has no request queue ' +
      'between network and I/O threads. Requests are bounded by queued.max.request.bytes ' +
      'across connections and by 100 unanswered requests per connection.',
  },
  {
    name: 'queued.max.request.bytes',
    type: 'long',
    default: '268435456',
    valid: atLeast(-1),
    importance: 'medium',
    doc:
      'Bytes of requests being read or waiting for an answer, across connections. A frame ' +
      'is admitted once its size is read and before its buffer exists; at the bound sockets ' +
      'stop being read until requests are answered (a frame larger than what is free is ' +
      'admitted only when nothing else is held, so it cannot wait forever). Kafka defaults ' +
      'to -1 (no bound); Gregor to 256 MiB, room for two requests of the default ' +
      'socket.request.max.bytes, so a flood of large frames cannot exhaust memory. ' +
      '0 or -1: no bound.',
  },
  {
    name: 'max.connections',
    type: 'int',
    default: INT_MAX_TEXT,
    valid: atLeast(0),
    importance: 'medium',
    doc: 'Most client connections at once; further connections are closed when accepted.',
  },
  {
    name: 'connections.max.idle.ms',
    type: 'long',
    default: '600000',
    valid: atLeast(-1),
    importance: 'medium',
    doc:
      'Close a connection that has been idle (nothing read or written, no request ' +
      'unanswered) for this long; -1 never closes idle connections.',
  },
  {
    name: 'fetch.max.bytes',
    type: 'int',
    default: '57671680',
    valid: atLeast(1024),
    importance: 'medium',
    doc: 'Most bytes one Fetch response carries, whatever the client asks.',
  },
  {
    name: 'max.incremental.fetch.session.cache.slots',
    type: 'int',
    default: '1000',
    valid: atLeast(0),
    importance: 'medium',
    doc: 'Most incremental fetch sessions (KIP-227) kept at once.',
  },
];

const TOPIC_DEFAULT_KEYS: readonly UngroupedKeyDef[] = [
  {
    name: 'num.partitions',
    type: 'int',
    default: '1',
    valid: atLeast(1),
    importance: 'medium',
    doc: 'Partitions of a topic created without a partition count.',
  },
  {
    name: 'default.replication.factor',
    type: 'int',
    default: '1',
    valid: atLeast(1),
    importance: 'medium',
    doc: 'Replication factor of a topic created without one.',
  },
  {
    name: 'auto.create.topics.enable',
    type: 'boolean',
    default: 'true',
    importance: 'high',
    doc: 'Create a topic when a client asks Metadata for one that does not exist.',
  },
  {
    name: 'delete.topic.enable',
    type: 'boolean',
    default: 'true',
    importance: 'high',
    doc: 'Allow DeleteTopics; when false it fails with TOPIC_DELETION_DISABLED.',
  },
  {
    name: 'compression.type',
    type: 'string',
    default: 'producer',
    valid: oneOf(...COMPRESSION_TYPES),
    importance: 'high',
    doc: 'Default compression.type of topics: producer keeps batches as the producer sent them.',
  },
  {
    name: 'compression.gzip.level',
    type: 'int',
    default: '-1',
    valid: gzipLevel,
    importance: 'medium',
    doc: 'Default compression.gzip.level of topics.',
  },
  {
    name: 'compression.lz4.level',
    type: 'int',
    default: '9',
    valid: between(1, 17),
    importance: 'medium',
    doc: 'Default compression.lz4.level of topics (accepted; lz4 is written at one level).',
  },
  {
    name: 'compression.zstd.level',
    type: 'int',
    default: '3',
    valid: between(-131072, 22),
    importance: 'medium',
    doc: 'Default compression.zstd.level of topics.',
  },
  {
    name: 'message.max.bytes',
    type: 'int',
    default: '1048588',
    valid: atLeast(0),
    importance: 'high',
    doc: 'Largest record batch a topic accepts (after compression); default max.message.bytes.',
  },
  {
    name: 'min.insync.replicas',
    type: 'int',
    default: '1',
    valid: atLeast(1),
    importance: 'high',
    doc: 'In-sync replicas an acks=all produce needs; default of the topic key.',
  },
  {
    name: 'unclean.leader.election.enable',
    type: 'boolean',
    default: 'false',
    importance: 'high',
    doc: 'Let an out-of-sync replica become leader when no in-sync one is left (may lose data).',
  },
];

const LOG_KEYS: readonly UngroupedKeyDef[] = [
  {
    name: 'log.dir',
    type: 'string',
    default: './data',
    valid: nonEmptyString,
    importance: 'high',
    doc: 'Directory for partition data when log.dirs is unset.',
  },
  {
    name: 'log.dirs',
    type: 'list',
    default: null,
    valid: directoryList,
    importance: 'high',
    doc: 'Directories for partition data, comma-separated. Unset: log.dir (./data).',
  },
  {
    name: 'num.recovery.threads.per.data.dir',
    type: 'int',
    default: '1',
    valid: atLeast(1),
    importance: 'high',
    doc: 'Accepted for compatibility; log recovery runs on the event loop.',
  },
  {
    name: 'log.segment.bytes',
    type: 'int',
    default: '1073741824',
    valid: atLeast(14),
    importance: 'high',
    doc: 'Roll to a new segment file at this size. Default of segment.bytes.',
  },
  {
    name: 'log.roll.ms',
    type: 'long',
    default: null,
    valid: atLeast(1),
    importance: 'high',
    doc: 'Roll a segment this old. Wins over log.roll.hours. Default of segment.ms.',
  },
  {
    name: 'log.roll.hours',
    type: 'int',
    default: '168',
    valid: atLeast(1),
    importance: 'high',
    doc: 'Roll a segment this old, in hours, when log.roll.ms is unset.',
  },
  {
    name: 'log.roll.jitter.ms',
    type: 'long',
    default: null,
    valid: atLeast(0),
    importance: 'high',
    doc: 'Random jitter subtracted from segment roll time. Default of segment.jitter.ms.',
  },
  {
    name: 'log.roll.jitter.hours',
    type: 'int',
    default: '0',
    valid: atLeast(0),
    importance: 'high',
    doc: 'log.roll.jitter.ms in hours, used when that is unset.',
  },
  {
    name: 'log.retention.ms',
    type: 'long',
    default: null,
    importance: 'high',
    doc: 'Delete segments older than this; -1 keeps them forever. Wins over minutes and hours.',
  },
  {
    name: 'log.retention.minutes',
    type: 'int',
    default: null,
    importance: 'high',
    doc: 'Retention in minutes, used when log.retention.ms is unset.',
  },
  {
    name: 'log.retention.hours',
    type: 'int',
    default: '168',
    importance: 'high',
    doc: 'Retention in hours, used when log.retention.ms and log.retention.minutes are unset.',
  },
  {
    name: 'log.retention.bytes',
    type: 'long',
    default: '-1',
    importance: 'high',
    doc: 'Delete old segments while a partition is larger than this; -1 means no size limit.',
  },
  {
    name: 'log.retention.check.interval.ms',
    type: 'long',
    default: '300000',
    valid: atLeast(1),
    importance: 'medium',
    doc: 'How often retention looks for segments to delete.',
  },
  {
    name: 'log.cleanup.policy',
    type: 'list',
    default: 'delete',
    valid: oneOf(...CLEANUP_POLICIES),
    importance: 'medium',
    doc: 'Default cleanup.policy: delete old segments, compact by key, or both.',
  },
  {
    name: 'log.cleaner.enable',
    type: 'boolean',
    default: 'true',
    importance: 'medium',
    doc: 'Run log compaction for topics whose cleanup.policy includes compact.',
  },
  {
    name: 'log.cleaner.threads',
    type: 'int',
    default: '1',
    valid: custom('1 (Gregor runs one cleaner, off the hot path)', (value) =>
      value === 1 ? null : 'Gregor runs exactly one log cleaner; set 1 or leave it unset',
    ),
    importance: 'medium',
    doc: 'Background threads cleaning logs. Gregor accepts 1 only: one cleaner loop.',
  },
  {
    name: 'log.cleaner.dedupe.buffer.size',
    type: 'long',
    default: '134217728',
    valid: atLeast(24 * 1024),
    importance: 'medium',
    doc: "Memory for the cleaner's key map (24 bytes per key); a pass maps at most this much.",
  },
  {
    name: 'log.cleaner.io.buffer.size',
    type: 'int',
    default: '524288',
    valid: atLeast(8192),
    importance: 'medium',
    doc: 'Cleaner I/O buffer: half for each read of a segment, half for each write.',
  },
  {
    name: 'log.cleaner.io.buffer.load.factor',
    type: 'double',
    default: '0.9',
    valid: custom('a number in (0, 1]', (value) =>
      typeof value === 'number' && value > 0 && value <= 1 ? null : 'must be in (0, 1]',
    ),
    importance: 'medium',
    doc: "How full the cleaner's key map may get before a pass stops mapping.",
  },
  {
    name: 'log.cleaner.io.max.bytes.per.second',
    type: 'double',
    default: '1.7976931348623157E308',
    valid: custom('a positive number', (value) =>
      typeof value === 'number' && value > 0 ? null : 'must be positive',
    ),
    importance: 'medium',
    doc: "Throttle on the cleaner's reads plus writes, bytes per second.",
  },
  {
    name: 'log.cleaner.backoff.ms',
    type: 'long',
    default: '15000',
    valid: atLeast(0),
    importance: 'medium',
    doc: 'How long the cleaner sleeps when no log needs cleaning.',
  },
  {
    name: 'log.cleaner.delete.retention.ms',
    type: 'long',
    default: '86400000',
    valid: atLeast(0),
    importance: 'medium',
    doc: 'Default delete.retention.ms: how long compaction keeps tombstones.',
  },
  {
    name: 'log.cleaner.min.compaction.lag.ms',
    type: 'long',
    default: '0',
    valid: atLeast(0),
    importance: 'medium',
    doc: 'Default min.compaction.lag.ms.',
  },
  {
    name: 'log.cleaner.max.compaction.lag.ms',
    type: 'long',
    default: LONG_MAX_TEXT,
    valid: atLeast(1),
    importance: 'medium',
    doc: 'Default max.compaction.lag.ms.',
  },
  {
    name: 'log.cleaner.min.cleanable.ratio',
    type: 'double',
    default: '0.5',
    valid: between(0, 1),
    importance: 'medium',
    doc: 'Default min.cleanable.dirty.ratio.',
  },
  {
    name: 'log.index.interval.bytes',
    type: 'int',
    default: '4096',
    valid: atLeast(0),
    importance: 'medium',
    doc: 'Add an offset index entry after this many bytes. Default of index.interval.bytes.',
  },
  {
    name: 'log.index.size.max.bytes',
    type: 'int',
    default: '10485760',
    valid: atLeast(4),
    importance: 'medium',
    doc: 'Largest offset or time index file. Default of segment.index.bytes.',
  },
  {
    name: 'log.segment.delete.delay.ms',
    type: 'long',
    default: '60000',
    valid: atLeast(0),
    importance: 'high',
    doc: "Delay before a deleted segment's files are removed. Default of file.delete.delay.ms.",
  },
  {
    name: 'log.flush.interval.messages',
    type: 'long',
    default: LONG_MAX_TEXT,
    valid: atLeast(1),
    importance: 'high',
    doc: 'fsync after this many records. Default of flush.messages.',
  },
  {
    name: 'log.flush.interval.ms',
    type: 'long',
    default: null,
    valid: atLeast(0),
    importance: 'high',
    doc: 'fsync data this old. Unset: log.flush.scheduler.interval.ms. Default of flush.ms.',
  },
  {
    name: 'log.flush.scheduler.interval.ms',
    type: 'long',
    default: LONG_MAX_TEXT,
    importance: 'high',
    doc: 'How often to look for logs to fsync; flush.ms when log.flush.interval.ms is unset.',
  },
  {
    name: 'log.flush.offset.checkpoint.interval.ms',
    type: 'int',
    default: '60000',
    valid: atLeast(0),
    importance: 'high',
    doc: 'How often to write the recovery-point checkpoint of each log directory.',
  },
  {
    name: 'log.preallocate',
    type: 'boolean',
    default: 'false',
    importance: 'medium',
    doc: 'Default preallocate: create segment files at full size.',
  },
  {
    name: 'log.message.timestamp.type',
    type: 'string',
    default: 'CreateTime',
    valid: oneOf(...TIMESTAMP_TYPES),
    importance: 'medium',
    doc: "Default message.timestamp.type: keep the producer's timestamp, or use append time.",
  },
  {
    name: 'log.message.timestamp.before.max.ms',
    type: 'long',
    default: LONG_MAX_TEXT,
    valid: atLeast(0),
    importance: 'medium',
    doc: 'Default message.timestamp.before.max.ms.',
  },
  {
    name: 'log.message.timestamp.after.max.ms',
    type: 'long',
    default: '3600000',
    valid: atLeast(0),
    importance: 'medium',
    doc: 'Default message.timestamp.after.max.ms.',
  },
  {
    name: 'log.message.timestamp.difference.max.ms',
    type: 'long',
    default: LONG_MAX_TEXT,
    valid: atLeast(0),
    importance: 'medium',
    doc: 'Default message.timestamp.difference.max.ms (deprecated by Kafka; accepted).',
  },
  {
    name: 'log.message.downconversion.enable',
    type: 'boolean',
    default: 'true',
    importance: 'low',
    doc: 'Default message.downconversion.enable (a no-op in Kafka 4, which has no Fetch v0-3).',
  },
  {
    name: 'log.message.format.version',
    type: 'string',
    default: DEFAULT_MESSAGE_FORMAT_VERSION,
    valid: kafkaVersion,
    importance: 'medium',
    doc: 'Default message.format.version (deprecated by Kafka 3.0; accepted, no effect).',
  },
];

const REPLICATION_KEYS: readonly UngroupedKeyDef[] = [
  {
    name: 'replica.lag.time.max.ms',
    type: 'long',
    default: '30000',
    importance: 'high',
    doc: 'A follower that has not caught up for this long leaves the ISR.',
  },
  {
    name: 'replica.high.watermark.checkpoint.interval.ms',
    type: 'long',
    default: '5000',
    valid: atLeast(1),
    importance: 'high',
    doc:
      "How often the high watermarks that changed are written to their partition's " +
      'replication-offset-checkpoint (besides at each flush, roll and close).',
  },
  {
    name: 'replica.fetch.max.bytes',
    type: 'int',
    default: '1048576',
    valid: atLeast(0),
    importance: 'medium',
    doc: 'Bytes a follower asks for per partition (a larger first batch is still returned).',
  },
  {
    name: 'replica.fetch.response.max.bytes',
    type: 'int',
    default: '10485760',
    valid: atLeast(0),
    importance: 'medium',
    doc: 'Bytes a follower asks for per fetch response.',
  },
  {
    name: 'replica.fetch.min.bytes',
    type: 'int',
    default: '1',
    importance: 'medium',
    doc: 'Bytes a follower fetch waits for before the leader answers.',
  },
  {
    name: 'replica.fetch.wait.max.ms',
    type: 'int',
    default: '500',
    importance: 'medium',
    doc: 'Longest a follower fetch waits at the leader; must not exceed replica.lag.time.max.ms.',
  },
  {
    name: 'replica.fetch.backoff.ms',
    type: 'int',
    default: '1000',
    valid: atLeast(0),
    importance: 'medium',
    doc: 'Pause after a failed follower fetch.',
  },
  {
    name: 'replica.socket.timeout.ms',
    type: 'int',
    default: '30000',
    importance: 'high',
    doc: 'Request timeout of follower fetches; must exceed replica.fetch.wait.max.ms.',
  },
  {
    name: 'num.replica.fetchers',
    type: 'int',
    default: '1',
    valid: atLeast(1),
    importance: 'high',
    doc: 'Fetcher connections per source broker.',
  },
  {
    name: 'auto.leader.rebalance.enable',
    type: 'boolean',
    default: 'true',
    importance: 'high',
    doc: "Periodically move leadership back to each partition's preferred replica.",
  },
  {
    name: 'leader.imbalance.check.interval.seconds',
    type: 'long',
    default: '300',
    valid: atLeast(1),
    importance: 'high',
    doc: 'How often the controller checks leader balance.',
  },
  {
    name: 'leader.imbalance.per.broker.percentage',
    type: 'int',
    default: '10',
    importance: 'high',
    doc: 'Share of non-preferred leaders on a broker that triggers a rebalance.',
  },
];

const GROUP_KEYS: readonly UngroupedKeyDef[] = [
  {
    name: 'offsets.topic.num.partitions',
    type: 'int',
    default: '50',
    valid: atLeast(1),
    importance: 'high',
    doc: 'Partitions of __consumer_offsets; fixed once the topic exists.',
  },
  {
    name: 'offsets.topic.replication.factor',
    type: 'short',
    default: '3',
    valid: atLeast(1),
    importance: 'high',
    doc:
      'Replication factor of __consumer_offsets. Gregor lowers it to the number of live ' +
      'brokers when the topic is created (and the min.insync.replicas the topic takes from ' +
      'the broker to at most that), so a single broker works.',
  },
  {
    name: 'offsets.topic.segment.bytes',
    type: 'int',
    default: '104857600',
    valid: atLeast(1),
    importance: 'high',
    doc: 'Segment size of __consumer_offsets.',
  },
  {
    name: 'offsets.retention.minutes',
    type: 'int',
    default: '10080',
    valid: atLeast(1),
    importance: 'high',
    doc: "Keep an empty group's committed offsets this long.",
  },
  {
    name: 'offsets.retention.check.interval.ms',
    type: 'long',
    default: '600000',
    valid: atLeast(1),
    importance: 'high',
    doc: 'How often expired offsets are removed.',
  },
  {
    name: 'offsets.commit.timeout.ms',
    type: 'int',
    default: '5000',
    valid: atLeast(1),
    importance: 'high',
    doc: 'Longest an offset commit waits for __consumer_offsets replication.',
  },
  {
    name: 'offset.metadata.max.bytes',
    type: 'int',
    default: '4096',
    importance: 'high',
    doc: 'Largest metadata string of a committed offset (OFFSET_METADATA_TOO_LARGE above).',
  },
  {
    name: 'group.initial.rebalance.delay.ms',
    type: 'int',
    default: '3000',
    valid: atLeast(0),
    importance: 'medium',
    doc: "Wait this long for more members before a new group's first rebalance.",
  },
  {
    name: 'group.min.session.timeout.ms',
    type: 'int',
    default: '6000',
    importance: 'medium',
    doc: 'Smallest session.timeout.ms a consumer may ask for.',
  },
  {
    name: 'group.max.session.timeout.ms',
    type: 'int',
    default: '1800000',
    importance: 'medium',
    doc: 'Largest session.timeout.ms a consumer may ask for.',
  },
  {
    name: 'group.max.size',
    type: 'int',
    default: INT_MAX_TEXT,
    valid: atLeast(1),
    importance: 'medium',
    doc: 'Most members of one consumer group (GROUP_MAX_SIZE_REACHED above).',
  },
];

const TRANSACTION_KEYS: readonly UngroupedKeyDef[] = [
  {
    name: 'transactional.id.expiration.ms',
    type: 'int',
    default: '604800000',
    valid: atLeast(1),
    importance: 'high',
    doc: 'Forget a transactional id not used for this long.',
  },
  {
    name: 'transaction.max.timeout.ms',
    type: 'int',
    default: '900000',
    valid: atLeast(1),
    importance: 'high',
    doc: 'Largest transaction.timeout.ms a producer may ask for.',
  },
  {
    name: 'transaction.state.log.num.partitions',
    type: 'int',
    default: '50',
    valid: atLeast(1),
    importance: 'high',
    doc: 'Partitions of __transaction_state.',
  },
  {
    name: 'transaction.state.log.replication.factor',
    type: 'short',
    default: '3',
    valid: atLeast(1),
    importance: 'high',
    doc: 'Replication factor of __transaction_state, lowered to the live brokers at creation.',
  },
  {
    name: 'transaction.state.log.min.isr',
    type: 'int',
    default: '2',
    valid: atLeast(1),
    importance: 'high',
    doc: 'min.insync.replicas of __transaction_state, capped at its replication factor.',
  },
  {
    name: 'transaction.state.log.segment.bytes',
    type: 'int',
    default: '104857600',
    valid: atLeast(1),
    importance: 'high',
    doc: 'Segment size of __transaction_state.',
  },
  {
    name: 'transaction.abort.timed.out.transaction.cleanup.interval.ms',
    type: 'int',
    default: '10000',
    valid: atLeast(1),
    importance: 'low',
    doc: 'How often the coordinator aborts transactions open longer than their timeout.',
  },
  {
    name: 'transaction.remove.expired.transaction.cleanup.interval.ms',
    type: 'int',
    default: '3600000',
    valid: atLeast(1),
    importance: 'low',
    doc: 'How often transactional ids past transactional.id.expiration.ms are removed.',
  },
  {
    name: 'transaction.partition.verification.enable',
    type: 'boolean',
    default: 'true',
    importance: 'low',
    doc:
      'Before a transactional batch opens a transaction on a partition, ask the ' +
      "transaction's coordinator whether the partition is in it (KIP-890).",
  },
  {
    name: 'producer.id.expiration.ms',
    type: 'int',
    default: '86400000',
    valid: atLeast(1),
    importance: 'low',
    doc:
      'Forget an idempotent producer id not used for this long (by its newest batch ' +
      'timestamp; checked every 10 minutes); one with a transaction open is kept.',
  },
];

const path = (name: string, doc: string): UngroupedKeyDef => ({
  name,
  type: 'string',
  default: null,
  importance: 'high',
  doc,
});
const secret = (name: string, doc: string): UngroupedKeyDef => ({
  name,
  type: 'password',
  default: null,
  importance: 'high',
  doc,
});

/** Kafka's OAUTHBEARER validator callback handlers, in their 3.x package names. */
export const OAUTHBEARER_VALIDATOR_CLASSES = [
  'org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallbackHandler',
  'org.apache.kafka.common.security.oauthbearer.secured.OAuthBearerValidatorCallbackHandler',
  'org.apache.kafka.common.security.oauthbearer.internals.unsecured.OAuthBearerUnsecuredValidatorCallbackHandler',
] as const;

const TLS_PROTOCOLS = ['TLSv1.2', 'TLSv1.3'] as const;

const principalRules = custom('DEFAULT, or RULE:pattern/replacement/[LU], comma-separated', (v) =>
  parsePrincipalMappingRules(String(v)).ok ? null : 'is not a list of DEFAULT and RULE:p/r/[LU]',
);

const jwksUrl = custom('an https://, http:// or file: URL', (value) => {
  if (value === null || value === '') return null;
  try {
    const url = new URL(String(value));
    return ['https:', 'http:', 'file:'].includes(url.protocol)
      ? null
      : 'is not https, http or file';
  } catch {
    return 'is not a URL';
  }
});

const SSL_KEYS: readonly UngroupedKeyDef[] = [
  path('ssl.keystore.location', 'Certificate and key file of SSL and SASL_SSL listeners.'),
  secret('ssl.keystore.password', 'Password of the keystore file (PKCS12).'),
  secret('ssl.key.password', 'Password of the private key (PKCS12, or an encrypted PEM key).'),
  secret('ssl.keystore.key', 'PEM private key given inline instead of ssl.keystore.location.'),
  secret(
    'ssl.keystore.certificate.chain',
    'PEM certificate chain given inline, with ssl.keystore.key.',
  ),
  {
    name: 'ssl.keystore.type',
    type: 'string',
    default: 'PEM',
    valid: oneOf('PEM', 'PKCS12'),
    importance: 'medium',
    doc: "Keystore format. Java's JKS is not readable here; use PEM or PKCS12.",
  },
  path('ssl.truststore.location', 'CA certificates that client certificates must chain to.'),
  secret('ssl.truststore.password', 'Password of the truststore file (PKCS12).'),
  secret('ssl.truststore.certificates', 'PEM CA certificates given inline.'),
  {
    name: 'ssl.truststore.type',
    type: 'string',
    default: 'PEM',
    valid: oneOf('PEM', 'PKCS12'),
    importance: 'medium',
    doc: 'Truststore format. A PKCS12 truststore must hold a key too (as Node reads it).',
  },
  {
    name: 'ssl.client.auth',
    type: 'string',
    default: 'none',
    valid: oneOf('required', 'requested', 'none'),
    importance: 'medium',
    doc: 'Whether SSL listeners ask clients for a certificate.',
  },
  {
    name: 'ssl.enabled.protocols',
    type: 'list',
    default: 'TLSv1.2,TLSv1.3',
    valid: oneOf(...TLS_PROTOCOLS),
    importance: 'medium',
    doc: 'TLS versions accepted (TLSv1.2, TLSv1.3).',
  },
  {
    name: 'ssl.protocol',
    type: 'string',
    default: 'TLSv1.3',
    valid: oneOf('TLS', 'TLSv1.2', 'TLSv1.3'),
    importance: 'medium',
    doc: 'Highest TLS version offered by the inter-broker and tool clients.',
  },
  {
    name: 'ssl.cipher.suites',
    type: 'list',
    default: '',
    importance: 'low',
    doc:
      "Cipher suites, in OpenSSL's or IANA's names (TLS_AES_128_GCM_SHA256, " +
      "ECDHE-RSA-AES128-GCM-SHA256); empty: Node's defaults.",
  },
  {
    name: 'ssl.principal.mapping.rules',
    type: 'string',
    default: 'DEFAULT',
    valid: principalRules,
    importance: 'low',
    doc: "Rules mapping a client certificate's subject (RFC 2253) to a principal name.",
  },
  {
    name: 'ssl.endpoint.identification.algorithm',
    type: 'string',
    default: 'https',
    valid: oneOf('https', ''),
    importance: 'low',
    doc: "https: brokers check the host name in each other's certificates; empty: they do not.",
  },
];

const SASL_KEYS: readonly UngroupedKeyDef[] = [
  {
    name: 'sasl.enabled.mechanisms',
    type: 'list',
    default: 'PLAIN,SCRAM-SHA-256,SCRAM-SHA-512',
    valid: oneOf(...SASL_MECHANISMS),
    importance: 'medium',
    doc: "SASL mechanisms offered on SASL listeners (Kafka's default GSSAPI is not supported).",
  },
  {
    name: 'sasl.mechanism.inter.broker.protocol',
    type: 'string',
    default: 'PLAIN',
    valid: oneOf(...SASL_MECHANISMS),
    importance: 'medium',
    doc: 'SASL mechanism brokers use with each other when the inter-broker listener uses SASL.',
  },
  {
    name: 'sasl.server.max.receive.size',
    type: 'int',
    default: '524288',
    valid: atLeast(1),
    importance: 'medium',
    doc: 'Largest frame accepted before SASL authentication completes.',
  },
  secret(
    'sasl.jaas.config',
    "JAAS login module and options, as Kafka's; usually per listener and mechanism " +
      '(listener.name.<l>.<mechanism>.sasl.jaas.config).',
  ),
  path(
    'sasl.plain.users.file',
    'Gregor: a properties file of PLAIN users, name=password per line, read again when it ' +
      'changes (besides user_<name> options of the JAAS config).',
  ),
  {
    name: 'sasl.server.callback.handler.class',
    type: 'string',
    default: null,
    valid: oneOf(...OAUTHBEARER_VALIDATOR_CLASSES),
    importance: 'medium',
    doc: "Only Kafka's OAUTHBEARER validator classes are understood (unsecured or JWKS-secured).",
  },
  {
    name: 'connections.max.reauth.ms',
    type: 'long',
    default: '0',
    valid: atLeast(0),
    importance: 'medium',
    doc:
      'Longest SASL session before the client must re-authenticate (KIP-368); 0: no limit ' +
      "but the credential's own expiry.",
  },
  {
    name: 'sasl.oauthbearer.jwks.endpoint.url',
    type: 'string',
    default: null,
    valid: jwksUrl,
    importance: 'medium',
    doc: 'JWKS of the OAuth issuer (https:, or file: read again when it changes); set: tokens must be signed.',
  },
  {
    name: 'sasl.oauthbearer.jwks.endpoint.refresh.ms',
    type: 'long',
    default: '3600000',
    valid: atLeast(0),
    importance: 'low',
    doc: 'How long fetched keys are trusted before the JWKS endpoint is asked again.',
  },
  {
    name: 'sasl.oauthbearer.jwks.endpoint.retry.backoff.ms',
    type: 'long',
    default: '100',
    valid: atLeast(0),
    importance: 'low',
    doc: 'Least wait before asking the JWKS endpoint again (an unknown key id).',
  },
  {
    name: 'sasl.oauthbearer.jwks.endpoint.retry.backoff.max.ms',
    type: 'long',
    default: '10000',
    valid: atLeast(0),
    importance: 'low',
    doc: 'Timeout of one JWKS request.',
  },
  {
    name: 'sasl.oauthbearer.expected.audience',
    type: 'list',
    default: '',
    importance: 'medium',
    doc: 'Audiences a token must name one of (aud); empty: not checked.',
  },
  {
    name: 'sasl.oauthbearer.expected.issuer',
    type: 'string',
    default: null,
    importance: 'medium',
    doc: 'Issuer a token must name (iss); unset: not checked.',
  },
  {
    name: 'sasl.oauthbearer.sub.claim.name',
    type: 'string',
    default: 'sub',
    importance: 'low',
    doc: 'Claim whose value is the principal name.',
  },
  {
    name: 'sasl.oauthbearer.scope.claim.name',
    type: 'string',
    default: 'scope',
    importance: 'low',
    doc: "Claim holding the token's scopes.",
  },
  {
    name: 'sasl.oauthbearer.clock.skew.seconds',
    type: 'int',
    default: '30',
    valid: atLeast(0),
    importance: 'low',
    doc: "Tolerated difference between our clock and the issuer's (exp, nbf, iat).",
  },
];

const SECURITY_KEYS: readonly UngroupedKeyDef[] = [...SSL_KEYS, ...SASL_KEYS];

/**
 * The authorizer class names Gregor answers to: its own, and Kafka's, so a
 * server.properties written for Kafka works unchanged. All mean the same ACL
 * authorizer (security/authorizer.ts).
 */
export const AUTHORIZER_CLASS_NAMES = [
  'gregor.security.StandardAuthorizer',
  'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
  'kafka.security.authorizer.AclAuthorizer',
] as const;

const authorizerClassName = custom(
  `empty (no authorizer), or one of ${AUTHORIZER_CLASS_NAMES.join(', ')}`,
  (value) =>
    value === '' || (AUTHORIZER_CLASS_NAMES as readonly string[]).includes(String(value))
      ? null
      : `${String(value)} is not an authorizer Gregor has (use ${AUTHORIZER_CLASS_NAMES[0]})`,
);

const superUsers = custom('principals (type:name) separated by semicolons', (value) => {
  const bad = String(value)
    .split(';')
    .map((p) => p.trim())
    .find((p) => p !== '' && !p.includes(':'));
  return bad === undefined ? null : `'${bad}' is not a principal of the form User:name`;
});

const AUTHORIZATION_KEYS: readonly UngroupedKeyDef[] = [
  {
    name: 'authorizer.class.name',
    type: 'string',
    default: '',
    valid: authorizerClassName,
    importance: 'low',
    doc: 'The ACL authorizer; empty allows every request (ACL APIs answer SECURITY_DISABLED).',
  },
  {
    name: 'super.users',
    type: 'string',
    default: '',
    valid: superUsers,
    importance: 'medium',
    doc: 'Principals allowed everything whatever the ACLs say, e.g. User:admin;User:broker.',
  },
  {
    name: 'allow.everyone.if.no.acl.found',
    type: 'boolean',
    default: 'false',
    importance: 'medium',
    doc: 'Allow an action on a resource that no ACL names (false: only what ACLs allow).',
  },
];

const QUOTA_KEYS: readonly UngroupedKeyDef[] = [
  {
    name: 'quota.window.num',
    type: 'int',
    default: '11',
    valid: atLeast(1),
    importance: 'low',
    doc: 'Samples kept for client quota rates.',
  },
  {
    name: 'quota.window.size.seconds',
    type: 'int',
    default: '1',
    valid: atLeast(1),
    importance: 'low',
    doc: 'Length of one client quota sample.',
  },
  {
    name: 'replication.quota.window.num',
    type: 'int',
    default: '11',
    valid: atLeast(1),
    importance: 'low',
    doc: 'Samples kept for replication throttle rates.',
  },
  {
    name: 'replication.quota.window.size.seconds',
    type: 'int',
    default: '1',
    valid: atLeast(1),
    importance: 'low',
    doc: 'Length of one replication throttle sample.',
  },
  {
    name: 'leader.replication.throttled.rate',
    type: 'long',
    default: LONG_MAX_TEXT,
    valid: atLeast(0),
    importance: 'medium',
    doc: "Bytes/s a leader sends to followers of throttled replicas (topic's leader.replication.throttled.replicas).",
  },
  {
    name: 'follower.replication.throttled.rate',
    type: 'long',
    default: LONG_MAX_TEXT,
    valid: atLeast(0),
    importance: 'medium',
    doc: "Bytes/s a follower fetches for throttled replicas (topic's follower.replication.throttled.replicas).",
  },
];

/** Every broker key, grouped as docs/configuration.md shows them. */
export const BROKER_CONFIG_DEFS: readonly BrokerKeyDef[] = (
  [
    ['cluster', CLUSTER_KEYS],
    ['listeners', LISTENER_KEYS],
    ['requests', REQUEST_KEYS],
    ['topics', TOPIC_DEFAULT_KEYS],
    ['log', LOG_KEYS],
    ['replication', REPLICATION_KEYS],
    ['groups', GROUP_KEYS],
    ['transactions', TRANSACTION_KEYS],
    ['security', SECURITY_KEYS],
    ['authorization', AUTHORIZATION_KEYS],
    ['quotas', QUOTA_KEYS],
  ] as const
).flatMap(([group, defs]) => defs.map((def): BrokerKeyDef => ({ ...def, group })));

const sameName = (name: string): TopicSynonym[] => [{ name }];
const logPrefixed = (name: string): TopicSynonym[] => [{ name: `log.${name}` }];

/** Every topic key; `synonyms` are its broker defaults, as Kafka's DescribeConfigs shows them. */
export const TOPIC_CONFIG_DEFS: readonly TopicKeyDef[] = [
  {
    name: 'cleanup.policy',
    type: 'list',
    default: 'delete',
    valid: oneOf(...CLEANUP_POLICIES),
    importance: 'medium',
    synonyms: logPrefixed('cleanup.policy'),
    doc: 'delete removes old segments; compact keeps the latest record per key; or both.',
  },
  {
    name: 'compression.type',
    type: 'string',
    default: 'producer',
    valid: oneOf(...COMPRESSION_TYPES),
    importance: 'medium',
    synonyms: sameName('compression.type'),
    doc: 'Compression of stored batches; producer keeps what the producer sent.',
  },
  {
    name: 'compression.gzip.level',
    type: 'int',
    default: '-1',
    valid: gzipLevel,
    importance: 'medium',
    synonyms: sameName('compression.gzip.level'),
    doc: 'gzip level when compression.type is gzip.',
  },
  {
    name: 'compression.lz4.level',
    type: 'int',
    default: '9',
    valid: between(1, 17),
    importance: 'medium',
    synonyms: sameName('compression.lz4.level'),
    doc: "Accepted for compatibility: lz4 batches are recompressed at the codec library's one level.",
  },
  {
    name: 'compression.zstd.level',
    type: 'int',
    default: '3',
    valid: between(-131072, 22),
    importance: 'medium',
    synonyms: sameName('compression.zstd.level'),
    doc: 'zstd level when compression.type is zstd.',
  },
  {
    name: 'delete.retention.ms',
    type: 'long',
    default: '86400000',
    valid: atLeast(0),
    importance: 'medium',
    synonyms: [{ name: 'log.cleaner.delete.retention.ms' }],
    doc: 'How long compaction keeps tombstones, so consumers reading from the start see them.',
  },
  {
    name: 'file.delete.delay.ms',
    type: 'long',
    default: '60000',
    valid: atLeast(0),
    importance: 'medium',
    synonyms: [{ name: 'log.segment.delete.delay.ms' }],
    doc: "Wait this long before removing a deleted segment's files.",
  },
  {
    name: 'flush.messages',
    type: 'long',
    default: LONG_MAX_TEXT,
    valid: atLeast(1),
    importance: 'medium',
    synonyms: [{ name: 'log.flush.interval.messages' }],
    doc: 'fsync after this many records (replication, not fsync, is the usual durability).',
  },
  {
    name: 'flush.ms',
    type: 'long',
    default: LONG_MAX_TEXT,
    valid: atLeast(0),
    importance: 'medium',
    synonyms: [{ name: 'log.flush.interval.ms' }, { name: 'log.flush.scheduler.interval.ms' }],
    doc: 'fsync data older than this.',
  },
  {
    name: 'follower.replication.throttled.replicas',
    type: 'list',
    default: '',
    valid: throttledReplicas,
    importance: 'medium',
    synonyms: [],
    doc: 'Replicas (partition:broker) whose follower fetching is throttled; * for all.',
  },
  {
    name: 'index.interval.bytes',
    type: 'int',
    default: '4096',
    valid: atLeast(0),
    importance: 'medium',
    synonyms: logPrefixed('index.interval.bytes'),
    doc: 'Add an offset index entry after this many bytes of batches.',
  },
  {
    name: 'leader.replication.throttled.replicas',
    type: 'list',
    default: '',
    valid: throttledReplicas,
    importance: 'medium',
    synonyms: [],
    doc: 'Replicas (partition:broker) whose leader-side replication is throttled; * for all.',
  },
  {
    name: 'max.compaction.lag.ms',
    type: 'long',
    default: LONG_MAX_TEXT,
    valid: atLeast(1),
    importance: 'medium',
    synonyms: [{ name: 'log.cleaner.max.compaction.lag.ms' }],
    doc: 'Longest a record may stay uncompacted.',
  },
  {
    name: 'max.message.bytes',
    type: 'int',
    default: '1048588',
    valid: atLeast(0),
    importance: 'medium',
    synonyms: sameName('message.max.bytes'),
    doc: 'Largest record batch (after compression) this topic accepts.',
  },
  {
    name: 'message.downconversion.enable',
    type: 'boolean',
    default: 'true',
    importance: 'low',
    synonyms: logPrefixed('message.downconversion.enable'),
    doc: 'Convert batches for Fetch v0-3 (message format v0/v1); false: UNSUPPORTED_VERSION.',
  },
  {
    name: 'message.format.version',
    type: 'string',
    default: DEFAULT_MESSAGE_FORMAT_VERSION,
    valid: kafkaVersion,
    importance: 'medium',
    synonyms: logPrefixed('message.format.version'),
    doc: 'Deprecated by Kafka 3.0 and ignored there as here: batches are always stored as v2.',
  },
  {
    name: 'message.timestamp.after.max.ms',
    type: 'long',
    default: '3600000',
    valid: atLeast(0),
    importance: 'medium',
    synonyms: logPrefixed('message.timestamp.after.max.ms'),
    doc: "Reject a CreateTime timestamp further than this in the broker's future.",
  },
  {
    name: 'message.timestamp.before.max.ms',
    type: 'long',
    default: LONG_MAX_TEXT,
    valid: atLeast(0),
    importance: 'medium',
    synonyms: logPrefixed('message.timestamp.before.max.ms'),
    doc: "Reject a CreateTime timestamp further than this in the broker's past.",
  },
  {
    name: 'message.timestamp.difference.max.ms',
    type: 'long',
    default: LONG_MAX_TEXT,
    valid: atLeast(0),
    importance: 'medium',
    synonyms: logPrefixed('message.timestamp.difference.max.ms'),
    doc: 'Older form of the before/after limits (deprecated by Kafka); both directions.',
  },
  {
    name: 'message.timestamp.type',
    type: 'string',
    default: 'CreateTime',
    valid: oneOf(...TIMESTAMP_TYPES),
    importance: 'medium',
    synonyms: logPrefixed('message.timestamp.type'),
    doc: "CreateTime keeps the producer's timestamps; LogAppendTime stamps the append time.",
  },
  {
    name: 'min.cleanable.dirty.ratio',
    type: 'double',
    default: '0.5',
    valid: between(0, 1),
    importance: 'medium',
    synonyms: [{ name: 'log.cleaner.min.cleanable.ratio' }],
    doc: 'Compact when at least this share of the log is uncompacted.',
  },
  {
    name: 'min.compaction.lag.ms',
    type: 'long',
    default: '0',
    valid: atLeast(0),
    importance: 'medium',
    synonyms: [{ name: 'log.cleaner.min.compaction.lag.ms' }],
    doc: 'Shortest time a record stays uncompacted.',
  },
  {
    name: 'min.insync.replicas',
    type: 'int',
    default: '1',
    valid: atLeast(1),
    importance: 'medium',
    synonyms: sameName('min.insync.replicas'),
    doc: 'In-sync replicas an acks=all produce needs, else NOT_ENOUGH_REPLICAS.',
  },
  {
    name: 'preallocate',
    type: 'boolean',
    default: 'false',
    importance: 'medium',
    synonyms: logPrefixed('preallocate'),
    doc: 'Create segment files at full size.',
  },
  {
    name: 'retention.bytes',
    type: 'long',
    default: '-1',
    importance: 'medium',
    synonyms: logPrefixed('retention.bytes'),
    doc: 'Delete old segments while a partition is larger than this; -1 means no limit.',
  },
  {
    name: 'retention.ms',
    type: 'long',
    default: '604800000',
    valid: atLeast(-1),
    importance: 'medium',
    negativeIsUnlimited: true,
    synonyms: [
      { name: 'log.retention.ms' },
      { name: 'log.retention.minutes', scale: MINUTE_MS },
      { name: 'log.retention.hours', scale: HOUR_MS },
    ],
    doc: 'Delete segments whose newest record is older than this; -1 keeps them forever.',
  },
  {
    name: 'segment.bytes',
    type: 'int',
    default: '1073741824',
    valid: atLeast(14),
    importance: 'medium',
    synonyms: logPrefixed('segment.bytes'),
    doc: 'Roll to a new segment file at this size.',
  },
  {
    name: 'segment.index.bytes',
    type: 'int',
    default: '10485760',
    valid: atLeast(4),
    importance: 'medium',
    synonyms: [{ name: 'log.index.size.max.bytes' }],
    doc: 'Largest offset or time index file of a segment.',
  },
  {
    name: 'segment.jitter.ms',
    type: 'long',
    default: '0',
    valid: atLeast(0),
    importance: 'medium',
    synonyms: [{ name: 'log.roll.jitter.ms' }, { name: 'log.roll.jitter.hours', scale: HOUR_MS }],
    doc: 'Random jitter subtracted from segment.ms so segments do not all roll at once.',
  },
  {
    name: 'segment.ms',
    type: 'long',
    default: '604800000',
    valid: atLeast(1),
    importance: 'medium',
    synonyms: [{ name: 'log.roll.ms' }, { name: 'log.roll.hours', scale: HOUR_MS }],
    doc: 'Roll a segment this old even if it is not full, so retention can delete it.',
  },
  {
    name: 'unclean.leader.election.enable',
    type: 'boolean',
    default: 'false',
    importance: 'medium',
    synonyms: sameName('unclean.leader.election.enable'),
    doc: 'Let an out-of-sync replica become leader when no in-sync one is left.',
  },
];

export const BROKER_CONFIG_KEYS: ReadonlyMap<string, BrokerKeyDef> = new Map(
  BROKER_CONFIG_DEFS.map((def) => [def.name, def]),
);

export const TOPIC_CONFIG_KEYS: ReadonlyMap<string, TopicKeyDef> = new Map(
  TOPIC_CONFIG_DEFS.map((def) => [def.name, def]),
);

/** The topic key whose default a broker key supplies (log.retention.hours -> retention.ms). */
export function topicKeyForBrokerKey(brokerKey: string): string | null {
  for (const def of TOPIC_CONFIG_DEFS) {
    if (def.synonyms.some((synonym) => synonym.name === brokerKey)) return def.name;
  }
  return null;
}

/**
 * Kafka's broker synonyms of a broker key: the whole priority list when the key is one of a
 * family (log.retention.ms/minutes/hours), else the key alone.
 */
export function brokerSynonyms(brokerKey: string): readonly TopicSynonym[] {
  const topicKey = topicKeyForBrokerKey(brokerKey);
  const family = topicKey === null ? undefined : TOPIC_CONFIG_KEYS.get(topicKey)?.synonyms;
  return family !== undefined && family.length > 1 ? family : [{ name: brokerKey }];
}

/** Keys Kafka operators may carry over that mean nothing here, with what to do instead. */
export const NOT_APPLICABLE_KEYS: ReadonlyMap<string, string> = new Map([
  ['zookeeper.connect', 'Gregor needs no ZooKeeper; set metadata.store instead'],
  ['process.roles', 'Gregor has no KRaft roles; every node is a broker'],
  ['controller.quorum.voters', 'the controller is elected through metadata.store'],
  ['controller.quorum.bootstrap.servers', 'the controller is elected through metadata.store'],
  ['controller.listener.names', 'Gregor has no controller listener'],
]);
