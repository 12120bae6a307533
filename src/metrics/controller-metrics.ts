// kafka.controller:type=KafkaController: whether this broker is the active
// controller. Summed over the cluster it must be exactly 1.

import { Gauge, type Registry } from 'prom-client';
import type { MetadataImage } from '../cluster/metadata-image.ts';

export interface ControllerMetricsSources {
  readonly isActiveController: () => boolean;
}

export function registerControllerMetrics(registry: Registry, s: ControllerMetricsSources): void {
  new Gauge({
    name: 'kafka_controller_kafkacontroller_activecontrollercount',
    help: '1 on the broker that is the active controller, else 0; the cluster sum must be 1.',
    registers: [registry],
    collect() {
      this.set(s.isActiveController() ? 1 : 0);
    },
  });
}

export interface ControllerPartitionMetricsSources extends ControllerMetricsSources {
  readonly image: MetadataImage;
}

/**
 * What only the active controller reports (0 elsewhere, so a cluster-wide sum counts once):
 * partitions without a leader, and the numbers of topics and partitions.
 */
export function registerControllerPartitionMetrics(
  registry: Registry,
  s: ControllerPartitionMetricsSources,
): void {
  const onController = (count: () => number) =>
    function collect(this: Gauge) {
      this.set(s.isActiveController() ? count() : 0);
    };
  const partitions = () => s.image.topics().flatMap((t) => [...t.partitions.values()]);
  new Gauge({
    name: 'kafka_controller_kafkacontroller_offlinepartitionscount',
    help: 'Partitions with no leader (on the active controller; 0 elsewhere).',
    registers: [registry],
    collect: onController(() => partitions().filter((p) => p.leader < 0).length),
  });
  new Gauge({
    name: 'kafka_controller_kafkacontroller_globalpartitioncount',
    help: 'Partitions in the cluster (on the active controller; 0 elsewhere).',
    registers: [registry],
    collect: onController(() => partitions().length),
  });
  new Gauge({
    name: 'kafka_controller_kafkacontroller_globaltopiccount',
    help: 'Topics in the cluster (on the active controller; 0 elsewhere).',
    registers: [registry],
    collect: onController(() => s.image.topics().length),
  });
}
