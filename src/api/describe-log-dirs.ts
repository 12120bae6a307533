// DescribeLogDirs handler (key 35), versions 0-4 (kafka-log-dirs.sh).
// Behaviour: one log dir (Gregor uses the first of log.dirs) with the size of
// each hosted partition's log, its offset lag (0 for a leader; for a follower
// how far its log end is behind the high watermark it knows) and, from v4,
// the file system's total and usable bytes. A null topic list means all.
// Authorization (as Kafka's KafkaApis): Describe on the cluster
// (CLUSTER_AUTHORIZATION_FAILED, no results).
// Version notes: v1 unchanged; v2 flexible; v3 top-level error code; v4
// total and usable bytes (KIP-827).

import { statfs } from 'node:fs/promises';
import { DescribeLogDirs } from '../protocol/apis/describe-log-dirs.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import type { BrokerServices } from './broker-services.ts';
import type { ApiHandler, RequestContext, RequestOf, ResponseOf } from './handler.ts';

type Response = ResponseOf<typeof DescribeLogDirs>;
type TopicOut = Response['results'][number]['topics'][number];

export function describeLogDirsHandler(s: BrokerServices): ApiHandler<typeof DescribeLogDirs> {
  return {
    api: DescribeLogDirs,
    minVersion: 0,
    maxVersion: 4,
    async handle(req: RequestOf<typeof DescribeLogDirs>, ctx: RequestContext): Promise<Response> {
      if (!s.authorizer.cluster(ctx, 'DESCRIBE'))
        return {
          throttleTimeMs: 0,
          errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
          results: [],
        };
      const wanted =
        req.topics === null
          ? null
          : new Map(req.topics.map((t) => [t.topic, new Set(t.partitions)]));
      const byTopic = new Map<string, TopicOut>();
      for (const p of s.replicas.all()) {
        const filter = wanted?.get(p.topic);
        if (wanted !== null && (filter === undefined || !filter.has(p.index))) continue;
        let t = byTopic.get(p.topic);
        if (t === undefined) {
          t = { name: p.topic, partitions: [] };
          byTopic.set(p.topic, t);
        }
        const lag = p.isLeader() ? 0 : Math.max(0, p.log.highWatermark - p.log.logEndOffset);
        t.partitions.push({
          partitionIndex: p.index,
          partitionSize: p.log.sizeBytes,
          offsetLag: lag,
          isFutureKey: false,
        });
      }
      let totalBytes = -1;
      let usableBytes = -1;
      try {
        const fs = await statfs(s.replicas.logDir);
        totalBytes = fs.blocks * fs.bsize;
        usableBytes = fs.bavail * fs.bsize;
      } catch {
        // Unknown sizes are reported as -1, as Kafka does.
      }
      const topics = [...byTopic.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
      return {
        throttleTimeMs: 0,
        errorCode: ErrorCode.NONE,
        results: [
          { errorCode: ErrorCode.NONE, logDir: s.replicas.logDir, topics, totalBytes, usableBytes },
        ],
      };
    },
  };
}
