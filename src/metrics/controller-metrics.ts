// kafka.controller:type=KafkaController: whether this broker is the active
// controller. Summed over the cluster it must be exactly 1.

import { Gauge, type Registry } from 'prom-client';

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
