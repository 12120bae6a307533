// AlterReplicaLogDirs handler (key 34), versions 0-2 (kafka-reassign-partitions.sh
// with log dirs): moves replicas this broker hosts to another of its log
// directories. Each partition answers NONE once its move has started (the copy
// runs in the background; DescribeLogDirs shows it as a future replica),
// LOG_DIR_NOT_FOUND for a path not in log.dirs, KAFKA_STORAGE_ERROR for a failed
// directory, REPLICA_NOT_AVAILABLE for a partition not hosted here.
// Version notes: v1 is v0; v2 flexible.

import { AlterReplicaLogDirs } from '../protocol/apis/alter-replica-log-dirs.ts';
import type { BrokerServices } from './broker-services.ts';
import type { ApiHandler, RequestOf, ResponseOf } from './handler.ts';

type Response = ResponseOf<typeof AlterReplicaLogDirs>;

export function alterReplicaLogDirsHandler(
  s: BrokerServices,
): ApiHandler<typeof AlterReplicaLogDirs> {
  return {
    api: AlterReplicaLogDirs,
    minVersion: 0,
    maxVersion: 2,
    async handle(req: RequestOf<typeof AlterReplicaLogDirs>): Promise<Response> {
      const byTopic = new Map<string, Array<{ partitionIndex: number; errorCode: number }>>();
      for (const dir of req.dirs) {
        for (const t of dir.topics) {
          const out = byTopic.get(t.name) ?? [];
          byTopic.set(t.name, out);
          for (const partition of t.partitions) {
            const errorCode = await s.replicas.moveReplica(t.name, partition, dir.path);
            out.push({ partitionIndex: partition, errorCode });
          }
        }
      }
      return {
        throttleTimeMs: 0,
        results: [...byTopic].map(([topicName, partitions]) => ({ topicName, partitions })),
      };
    },
  };
}
