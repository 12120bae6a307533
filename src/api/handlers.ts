// The list of API handlers a broker serves. ApiVersions is derived from this
// registry, so adding a handler here is what advertises it. The coordinators'
// APIs are registered beside their runtimes (group-handlers.ts,
// transaction-handlers.ts, which also serves InitProducerId).

import { describeTopicConfig } from '../config/topic-config.ts';
import { alterConfigsHandler, incrementalAlterConfigsHandler } from './alter-configs.ts';
import { alterReplicaLogDirsHandler } from './alter-replica-log-dirs.ts';
import { apiVersionsHandler } from './api-versions.ts';
import type { BrokerServices } from './broker-services.ts';
import { createPartitionsHandler } from './create-partitions.ts';
import { createTopicsHandler } from './create-topics.ts';
import { deleteRecordsHandler } from './delete-records.ts';
import { deleteTopicsHandler } from './delete-topics.ts';
import { describeClusterHandler } from './describe-cluster.ts';
import { configEntriesOut, describeConfigsHandler } from './describe-configs.ts';
import { describeLogDirsHandler } from './describe-log-dirs.ts';
import { electLeadersHandler } from './elect-leaders.ts';
import { fetchHandler } from './fetch.ts';
import type { HandlerRegistry } from './handler.ts';
import { listOffsetsHandler } from './list-offsets.ts';
import { metadataHandler } from './metadata.ts';
import { offsetForLeaderEpochHandler } from './offset-for-leader-epoch.ts';
import { produceHandler } from './produce.ts';

export function registerHandlers(registry: HandlerRegistry, s: BrokerServices): void {
  const createdTopicConfigs = (_topic: string, overrides: Record<string, string>) =>
    configEntriesOut(describeTopicConfig(s.config, overrides), false, false).map((c) => ({
      name: c.name,
      value: c.value,
      readOnly: c.readOnly,
      configSource: c.configSource,
      isSensitive: c.isSensitive,
    }));
  registry
    .add(produceHandler(s))
    .add(fetchHandler(s))
    .add(listOffsetsHandler(s))
    .add(metadataHandler(s))
    .add(offsetForLeaderEpochHandler(s))
    .add(createTopicsHandler(s, createdTopicConfigs))
    .add(deleteTopicsHandler(s))
    .add(deleteRecordsHandler(s))
    .add(describeConfigsHandler(s))
    .add(alterConfigsHandler(s))
    .add(createPartitionsHandler(s))
    .add(incrementalAlterConfigsHandler(s))
    .add(describeClusterHandler(s))
    .add(describeLogDirsHandler(s))
    .add(alterReplicaLogDirsHandler(s))
    .add(electLeadersHandler(s))
    .add(apiVersionsHandler(registry));
}
