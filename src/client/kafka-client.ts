// The cluster-level client: bootstrap from a server list, keep one connection
// per broker, learn the cluster from Metadata, and route a request to a given
// broker, the controller, any broker, a partition's leader or a group's
// coordinator (FindCoordinator). Producer, fetcher, admin calls and the group
// consumer are built on it.

import { FindCoordinator } from '../protocol/apis/find-coordinator.ts';
import { Metadata } from '../protocol/apis/metadata.ts';
import type { ApiDef } from '../protocol/schema.ts';
import {
  type BrokerNode,
  brokerById,
  type ClusterMetadata,
  clusterMetadataFrom,
  ZERO_UUID,
} from './cluster-metadata.ts';
import {
  BrokerConnection,
  type ConnectionOptions,
  type RequestBody,
  type ResponseBody,
  type SendOptions,
} from './connection.ts';
import { ConnectionError, ErrorCode, kafkaError } from './errors.ts';
import { retrying } from './retry.ts';

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

export interface ClientOptions {
  /** "host:port" entries, as Kafka's bootstrap.servers. */
  readonly bootstrapServers: readonly string[];
  readonly clientId?: string;
  /** Per TCP connect; Kafka has none, and a partitioned address otherwise takes minutes. */
  readonly connectTimeoutMs?: number;
  readonly requestTimeoutMs?: number;
  /** How long retriable failures (elections, loading coordinators) are retried. */
  readonly retryTimeoutMs?: number;
  readonly retryBackoffMs?: number;
  /** TLS options for every connection (security.protocol SSL or SASL_SSL). */
  readonly tls?: ConnectionOptions['tls'];
  /** SASL credentials for every connection (SASL_PLAINTEXT or SASL_SSL). */
  readonly sasl?: ConnectionOptions['sasl'];
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
const DEFAULT_RETRY_TIMEOUT_MS = 15_000;
const DEFAULT_RETRY_BACKOFF_MS = 100;
const COORDINATOR_KEY_TYPE_GROUP = 0;

/** Parses one "host:port" (or "[v6]:port") entry; throws a one-line error on anything else. */
export function parseHostPort(entry: string): HostPort {
  const trimmed = entry.trim();
  const match = /^\[([^\]]+)\]:(\d+)$/.exec(trimmed) ?? /^([^:\s]+):(\d+)$/.exec(trimmed);
  const port = match === null ? Number.NaN : Number(match[2]);
  if (match === null || !(port > 0 && port < 65536)) {
    throw new Error(`Invalid url in bootstrap.servers: ${trimmed}`);
  }
  return { host: match[1]!, port };
}

export function parseBootstrapServers(list: string): HostPort[] {
  const entries = list.split(',').filter((s) => s.trim() !== '');
  if (entries.length === 0)
    throw new Error('No resolvable bootstrap urls given in bootstrap.servers');
  return entries.map(parseHostPort);
}

export class KafkaClient {
  readonly clientId: string;
  readonly requestTimeoutMs: number;
  readonly retryTimeoutMs: number;
  readonly retryBackoffMs: number;
  private readonly connectTimeoutMs: number;
  private readonly security: Pick<ConnectionOptions, 'tls' | 'sasl'>;
  private readonly bootstrap: HostPort[];
  private readonly connections = new Map<string, Promise<BrokerConnection>>();
  private known: ClusterMetadata | null = null;

  constructor(opts: ClientOptions) {
    this.bootstrap = opts.bootstrapServers.map(parseHostPort);
    this.clientId = opts.clientId ?? 'gregor';
    this.connectTimeoutMs = opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    this.requestTimeoutMs = opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.retryTimeoutMs = opts.retryTimeoutMs ?? DEFAULT_RETRY_TIMEOUT_MS;
    this.retryBackoffMs = opts.retryBackoffMs ?? DEFAULT_RETRY_BACKOFF_MS;
    this.security = {
      ...(opts.tls === undefined ? {} : { tls: opts.tls }),
      ...(opts.sasl === undefined ? {} : { sasl: opts.sasl }),
    };
  }

  /** The last metadata seen, or null before the first Metadata request. */
  get lastMetadata(): ClusterMetadata | null {
    return this.known;
  }

  /** A connection to a broker that answers: a known one, else each bootstrap server in turn. */
  async anyConnection(): Promise<BrokerConnection> {
    const candidates: HostPort[] = [...(this.known?.brokers ?? []), ...this.bootstrap];
    const failures: string[] = [];
    for (const candidate of candidates) {
      try {
        return await this.connect(candidate);
      } catch (err) {
        failures.push(err instanceof Error ? err.message : String(err));
      }
    }
    const unique = [...new Set(failures)];
    throw new ConnectionError(
      this.bootstrap.map((b) => `${b.host}:${b.port}`).join(','),
      unique.length === 1 ? unique[0]! : `No broker could be reached (${unique.join('; ')})`,
    );
  }

  /** The connection to broker `nodeId`, as the last metadata locates it. */
  async connectionTo(nodeId: number): Promise<BrokerConnection> {
    let node = this.known === null ? undefined : brokerById(this.known, nodeId);
    if (node === undefined) node = brokerById(await this.metadata([]), nodeId);
    if (node === undefined)
      throw new ConnectionError(`node ${nodeId}`, `Broker ${nodeId} is not in the cluster`);
    return this.connect(node);
  }

  /**
   * Metadata for `topics` (null: every topic). Topic-level errors are left in
   * the result for the caller to judge; the brokers and controller are cached.
   */
  async metadata(
    topics: readonly string[] | null,
    opts: { readonly allowAutoTopicCreation?: boolean } = {},
  ): Promise<ClusterMetadata> {
    const conn = await this.anyConnection();
    const response = await conn.send(Metadata, {
      topics: topics === null ? null : topics.map((name) => ({ topicId: ZERO_UUID, name })),
      allowAutoTopicCreation: opts.allowAutoTopicCreation ?? false,
      includeClusterAuthorizedOperations: false,
      includeTopicAuthorizedOperations: false,
    });
    this.known = clusterMetadataFrom(response);
    return this.known;
  }

  /** Sends to broker `nodeId`. */
  async sendTo<A extends ApiDef>(
    nodeId: number,
    api: A,
    body: RequestBody<A>,
    options?: SendOptions,
  ): Promise<ResponseBody<A>> {
    return (await this.connectionTo(nodeId)).send(api, body, options);
  }

  async sendToAny<A extends ApiDef>(api: A, body: RequestBody<A>): Promise<ResponseBody<A>> {
    return (await this.anyConnection()).send(api, body);
  }

  /** Sends to the controller, where Kafka routes topic and config changes. */
  async sendToController<A extends ApiDef>(api: A, body: RequestBody<A>): Promise<ResponseBody<A>> {
    const md = await this.metadata([]);
    if (md.controllerId < 0) return this.sendToAny(api, body);
    return this.sendTo(md.controllerId, api, body);
  }

  /**
   * The broker coordinating `key` (a group id, or with key type 1 a
   * transactional id), retrying while the coordinator is being chosen or loads.
   */
  async coordinatorFor(key: string, keyType = COORDINATOR_KEY_TYPE_GROUP): Promise<BrokerNode> {
    return retrying(() => this.findCoordinator(key, keyType), {
      timeoutMs: this.retryTimeoutMs,
      backoffMs: this.retryBackoffMs,
    });
  }

  close(): void {
    for (const pending of this.connections.values()) {
      pending.then((c) => c.close()).catch(() => undefined);
    }
    this.connections.clear();
  }

  private async findCoordinator(key: string, keyType: number): Promise<BrokerNode> {
    const response = await this.sendToAny(FindCoordinator, {
      key,
      keyType,
      coordinatorKeys: [key],
    });
    const entry = response.coordinators[0];
    const found =
      entry === undefined
        ? {
            errorCode: response.errorCode,
            errorMessage: response.errorMessage,
            nodeId: response.nodeId,
            host: response.host,
            port: response.port,
          }
        : entry;
    if (found.errorCode !== ErrorCode.NONE) throw kafkaError(found.errorCode, found.errorMessage);
    return { nodeId: found.nodeId, host: found.host, port: found.port, rack: null };
  }

  private connect(target: HostPort): Promise<BrokerConnection> {
    const address = `${target.host}:${target.port}`;
    const existing = this.connections.get(address);
    if (existing !== undefined) {
      return existing.then(
        (c) => (c.isOpen ? c : this.reconnect(address, target)),
        () => this.reconnect(address, target),
      );
    }
    return this.reconnect(address, target);
  }

  private reconnect(address: string, target: HostPort): Promise<BrokerConnection> {
    const opening = BrokerConnection.open({
      host: target.host,
      port: target.port,
      clientId: this.clientId,
      connectTimeoutMs: this.connectTimeoutMs,
      requestTimeoutMs: this.requestTimeoutMs,
      ...this.security,
    });
    this.connections.set(address, opening);
    opening.catch(() => {
      if (this.connections.get(address) === opening) this.connections.delete(address);
    });
    return opening;
  }
}
