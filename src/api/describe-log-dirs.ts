// DescribeLogDirs handler (key 35), versions 0-4 (kafka-log-dirs.sh).
// Behaviour: every log dir of log.dirs with the size of each partition log it
// holds, its offset lag (0 for a leader; for a follower how far its log end is
// behind the high watermark it knows) and, from v4, the file system's total and
// usable bytes; a future replica being moved there by AlterReplicaLogDirs is
// listed with isFuture; a failed dir answers KAFKA_STORAGE_ERROR with no
// partitions, as Kafka's offline dirs do. A null topic list means all.
// Version notes: v1 unchanged; v2 flexible; v3 top-level error code; v4
// total and usable bytes (KIP-827).

import { statfs } from 'node:fs/promises';
import { DescribeLogDirs } from '../protocol/apis/describe-log-dirs.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import type { BrokerServices } from './broker-services.ts';
import type { ApiHandler, RequestOf, ResponseOf } from './handler.ts';

type Response = ResponseOf<typeof DescribeLogDirs>;
type TopicOut = Response['results'][number]['topics'][number];

export function describeLogDirsHandler(s: BrokerServices): ApiHandler<typeof DescribeLogDirs> {
  return {
    api: DescribeLogDirs,
    minVersion: 0,
    maxVersion: 4,
    async handle(req: RequestOf<typeof DescribeLogDirs>): Promise<Response> {
      const wanted =
        req.topics === null
          ? null
          : new Map(req.topics.map((t) => [t.topic, new Set(t.partitions)]));
      const byDir = new Map<string, Map<string, TopicOut>>();
      for (const dir of s.replicas.logDirs) byDir.set(dir, new Map());
      for (const p of s.replicas.all()) {
        const filter = wanted?.get(p.topic);
        if (wanted !== null && (filter === undefined || !filter.has(p.index))) continue;
        const topics = byDir.get(s.replicas.dirOf(p.topic, p.index) ?? s.replicas.logDir);
        if (topics === undefined) continue;
        let t = topics.get(p.topic);
        if (t === undefined) {
          t = { name: p.topic, partitions: [] };
          topics.set(p.topic, t);
        }
        const lag = p.isLeader() ? 0 : Math.max(0, p.log.highWatermark - p.log.logEndOffset);
        t.partitions.push({
          partitionIndex: p.index,
          partitionSize: p.log.sizeBytes,
          offsetLag: lag,
          isFutureKey: false,
        });
      }
      for (const f of s.replicas.futureReplicas()) {
        const filter = wanted?.get(f.topic);
        if (wanted !== null && (filter === undefined || !filter.has(f.partition))) continue;
        const topics = byDir.get(f.dir);
        if (topics === undefined) continue;
        let t = topics.get(f.topic);
        if (t === undefined) {
          t = { name: f.topic, partitions: [] };
          topics.set(f.topic, t);
        }
        t.partitions.push({
          partitionIndex: f.partition,
          partitionSize: f.sizeBytes,
          offsetLag: f.offsetLag,
          isFutureKey: true,
        });
      }
      const results = [];
      for (const [dir, topicMap] of byDir) {
        if (s.replicas.isDirOffline(dir)) {
          results.push({
            errorCode: ErrorCode.KAFKA_STORAGE_ERROR,
            logDir: dir,
            topics: [],
            totalBytes: -1,
            usableBytes: -1,
          });
          continue;
        }
        let totalBytes = -1;
        let usableBytes = -1;
        try {
          const fs = await statfs(dir);
          totalBytes = fs.blocks * fs.bsize;
          usableBytes = fs.bavail * fs.bsize;
        } catch {
          // Unknown sizes are reported as -1, as Kafka does.
        }
        const topics = [...topicMap.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
        results.push({ errorCode: ErrorCode.NONE, logDir: dir, topics, totalBytes, usableBytes });
      }
      return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, results };
    },
  };
}
