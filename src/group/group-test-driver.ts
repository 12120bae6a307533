// Drives the group state machine in tests like a protocol trace: a simulated
// clock, request ids, answered log appends, and a check that no request is ever
// answered twice. Imported only by *.test.ts files.

import { ErrorCode } from '../protocol/error-codes.ts';
import { Writer } from '../protocol/writer.ts';
import { defaultGroupCoordinatorConfig, type GroupCoordinatorConfig } from './group-config.ts';
import { createGroupCoordinator, step } from './group-machine.ts';
import type {
  GroupEffect,
  GroupInput,
  GroupResponseByApi,
  JoinGroupInput,
  JoinGroupResponse,
  RespondEffect,
} from './group-machine-types.ts';
import type { GroupCoordinatorState, RequestId } from './group-state.ts';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
export type RequestInput = DistributiveOmit<
  Extract<GroupInput, { requestId: RequestId }>,
  'requestId'
>;

export interface DriverOptions {
  readonly config?: Partial<GroupCoordinatorConfig>;
  /** Answer every persist effect with success at once (default true). */
  readonly autoPersist?: boolean;
  readonly startMs?: number;
}

export class GroupDriver {
  readonly state: GroupCoordinatorState;
  nowMs: number;
  autoPersist: boolean;
  /** Every effect so far, in order. */
  readonly log: GroupEffect[] = [];
  readonly answers = new Map<RequestId, RespondEffect>();
  /** persistIds of appends not yet answered (when autoPersist is off). */
  readonly unansweredPersists: number[] = [];
  private nextRequestId = 1;
  private nextUuid = 1;

  constructor(options: DriverOptions = {}) {
    this.nowMs = options.startMs ?? 1_000_000;
    this.autoPersist = options.autoPersist ?? true;
    const config = {
      ...defaultGroupCoordinatorConfig,
      offsetsTopicNumPartitions: 1,
      ...options.config,
    };
    const created = createGroupCoordinator(config, this.nowMs);
    this.state = created.state;
    this.record(created.effects);
    for (let p = 0; p < config.offsetsTopicNumPartitions; p++) {
      this.input({ type: 'load-complete', partition: p, records: [] });
    }
  }

  /** Steps one input (and any auto-answered appends it causes); returns all effects. */
  input(input: GroupInput): GroupEffect[] {
    const effects = [...step(this.state, input, this.nowMs).effects];
    this.record(effects);
    if (!this.autoPersist) return effects;
    for (const e of [...effects]) {
      if ((e.type === 'persist-group' || e.type === 'persist-offsets') && e.persistId !== null) {
        effects.push(...this.persisted(e.persistId, ErrorCode.NONE));
      }
    }
    return effects;
  }

  /** Sends a request; returns its id and the effects of this step. */
  request(input: RequestInput): { requestId: RequestId; effects: GroupEffect[] } {
    const requestId = this.nextRequestId++;
    const effects = this.input({ ...input, requestId } as GroupInput);
    return { requestId, effects };
  }

  persisted(persistId: number, errorCode: number): GroupEffect[] {
    const i = this.unansweredPersists.indexOf(persistId);
    if (i >= 0) this.unansweredPersists.splice(i, 1);
    return this.input({ type: 'persisted', persistId, errorCode });
  }

  /** Moves the clock and fires due timers. */
  advance(ms: number): GroupEffect[] {
    this.nowMs += ms;
    return this.input({ type: 'tick' });
  }

  answer(requestId: RequestId): RespondEffect | undefined {
    return this.answers.get(requestId);
  }

  joinAnswer(requestId: RequestId): JoinGroupResponse | undefined {
    const a = this.answers.get(requestId);
    if (a === undefined) return undefined;
    if (a.api !== 'join') throw new Error(`request ${requestId} was answered as ${a.api}`);
    return a.response;
  }

  /** The answer of one API, failing the test when missing or of another API. */
  answerOf<A extends keyof GroupResponseByApi>(
    requestId: RequestId,
    api: A,
  ): GroupResponseByApi[A] {
    const a = this.answers.get(requestId);
    if (a === undefined) throw new Error(`request ${requestId} has no answer`);
    if (a.api !== api) throw new Error(`request ${requestId} was answered as ${a.api}, not ${api}`);
    return a.response as GroupResponseByApi[A];
  }

  newUuid(): string {
    return `uuid-${this.nextUuid++}`;
  }

  private record(effects: readonly GroupEffect[]): void {
    for (const e of effects) {
      this.log.push(e);
      if (e.type === 'respond') {
        if (this.answers.has(e.requestId)) throw new Error(`request ${e.requestId} answered twice`);
        this.answers.set(e.requestId, e);
      }
      if ((e.type === 'persist-group' || e.type === 'persist-offsets') && e.persistId !== null) {
        this.unansweredPersists.push(e.persistId);
      }
    }
  }
}

export function joinInput(
  groupId: string,
  overrides: Partial<Omit<JoinGroupInput, 'type' | 'requestId'>> = {},
): Omit<JoinGroupInput, 'requestId'> {
  return {
    type: 'join',
    apiVersion: 5,
    groupId,
    memberId: '',
    groupInstanceId: null,
    clientId: 'client',
    clientHost: '/127.0.0.1',
    rebalanceTimeoutMs: 60_000,
    sessionTimeoutMs: 10_000,
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: subscription(['orders']) }],
    memberIdUuid: 'uuid',
    ...overrides,
  };
}

/** A consumer protocol subscription (version 0) for the given topics. */
export function subscription(topics: readonly string[], version = 0): Uint8Array {
  const w = new Writer(64).int16(version).int32(topics.length);
  for (const t of topics) w.string(t);
  w.nullableBytes(null);
  return w.toBuffer();
}

export function bytes(text: string): Uint8Array {
  return Buffer.from(text, 'utf8');
}
