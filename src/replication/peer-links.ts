// Connections from this broker to its peers for requests that are not replica
// fetches: the transaction coordinator's WriteTxnMarkers to partition leaders
// and a partition leader's AddPartitionsToTxn verification to a coordinator.
// One connection (client/'s BrokerConnection, as the replica fetchers use) per peer, opened on first use at the address the metadata
// image gives, and opened again after it closes (any error closes it).

import { BrokerConnection } from '../client/connection.ts';
import type { MessageValue } from '../protocol/codec.ts';
import type { ApiDef } from '../protocol/schema.ts';

export interface PeerLinksOptions {
  readonly nodeId: number;
  /** The peer's advertised address, or undefined while it is not registered. */
  readonly endpointOf: (brokerId: number) => { host: string; port: number } | undefined;
  readonly connectTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly responseSizeBytesMax: number;
}

interface Peer {
  readonly address: string;
  readonly link: Promise<BrokerConnection>;
}

export class PeerLinks {
  private readonly peers = new Map<number, Peer>();
  private closed = false;

  constructor(private readonly o: PeerLinksOptions) {}

  async send<A extends ApiDef>(
    brokerId: number,
    api: A,
    version: number,
    request: MessageValue<A['request']>,
  ): Promise<MessageValue<A['response']>> {
    const link = await this.linkTo(brokerId);
    return link.send(api, request, { version });
  }

  private async linkTo(brokerId: number): Promise<BrokerConnection> {
    if (this.closed) throw new Error('peer links closed');
    const endpoint = this.o.endpointOf(brokerId);
    if (endpoint === undefined) throw new Error(`broker ${brokerId} is not registered`);
    const address = `${endpoint.host}:${endpoint.port}`;
    const known = this.peers.get(brokerId);
    if (known !== undefined && known.address === address) {
      const link = await known.link.catch(() => null);
      if (link?.isOpen === true) return link;
      if (this.peers.get(brokerId) === known) this.peers.delete(brokerId);
    } else if (known !== undefined) {
      this.peers.delete(brokerId);
      void known.link.then((l) => l.close()).catch(() => undefined);
    }
    const current = this.peers.get(brokerId);
    if (current !== undefined) return current.link;
    const link = BrokerConnection.open({
      host: endpoint.host,
      port: endpoint.port,
      clientId: `gregor-broker-${this.o.nodeId}`,
      connectTimeoutMs: this.o.connectTimeoutMs,
      requestTimeoutMs: this.o.requestTimeoutMs,
      responseSizeBytesMax: this.o.responseSizeBytesMax,
    });
    this.peers.set(brokerId, { address, link });
    link.catch(() => {
      if (this.peers.get(brokerId)?.link === link) this.peers.delete(brokerId);
    });
    return link;
  }

  close(): void {
    this.closed = true;
    for (const p of this.peers.values()) void p.link.then((l) => l.close()).catch(() => undefined);
    this.peers.clear();
  }
}
