// `gregor k8s render`: prints the Kubernetes objects of a Gregor deployment (etcd, the broker
// StatefulSet and its Services, PDBs, ConfigMap, optional external access) for
// `kubectl apply -f -`. `gregor k8s check`: the semantic check of manifests (rendered or
// edited by hand) that the API server's schema validation cannot do.

import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { checkManifests } from '../deploy/manifest-check.ts';
import { grafanaDashboard, monitoringObjects } from '../deploy/monitoring.ts';
import { parseManifests, renderObjects, renderYaml } from '../deploy/render.ts';
import {
  parseRenderOptions,
  RENDER_DEFAULTS,
  RenderOptionError,
  type RenderOptionTexts,
} from '../deploy/render-options.ts';
import { collect, runTool, UsageError } from './tool-support.ts';

/** Flags in the order the header of the output repeats them. */
const FLAGS: ReadonlyArray<readonly [keyof RenderOptionTexts, string, string]> = [
  ['name', '--name <name>', `prefix of every object name (default ${RENDER_DEFAULTS.name})`],
  ['namespace', '--namespace <ns>', `namespace (default ${RENDER_DEFAULTS.namespace})`],
  ['brokers', '--brokers <n>', `broker pods (default ${RENDER_DEFAULTS.brokers})`],
  ['image', '--image <ref>', `broker image (default ${RENDER_DEFAULTS.image})`],
  ['imagePullPolicy', '--image-pull-policy <policy>', 'Always, IfNotPresent or Never'],
  [
    'storage',
    '--storage <size>',
    `log.dirs volume per broker (default ${RENDER_DEFAULTS.storage})`,
  ],
  [
    'storageClass',
    '--storage-class <class>',
    'StorageClass of the volumes (default: cluster default)',
  ],
  ['etcd', '--etcd <where>', 'internal (an etcd StatefulSet) or external:etcd://host:port[,...]'],
  [
    'etcdMembers',
    '--etcd-members <n>',
    `etcd members, odd (default ${RENDER_DEFAULTS.etcdMembers})`,
  ],
  ['etcdImage', '--etcd-image <ref>', `etcd image (default ${RENDER_DEFAULTS.etcdImage})`],
  ['etcdStorage', '--etcd-storage <size>', `etcd volume (default ${RENDER_DEFAULTS.etcdStorage})`],
  ['external', '--external <kind>', 'access from outside: none, nodeport or loadbalancer'],
  ['externalHost', '--external-host <host>', 'nodeport: a node address clients can reach'],
  ['nodePortBase', '--node-port-base <port>', 'nodeport: bootstrap port; broker N gets base+1+N'],
  ['externalDomain', '--external-domain <domain>', 'loadbalancer: brokers are <pod>.<domain>'],
  ['clusterDomain', '--cluster-domain <domain>', 'the cluster DNS domain (default cluster.local)'],
  ['clusterId', '--cluster-id <id>', 'cluster.id (default: derived from namespace and name)'],
  ['cpu', '--cpu <quantity>', `CPU request per broker (default ${RENDER_DEFAULTS.cpu})`],
  [
    'cpuLimit',
    '--cpu-limit <quantity>',
    `CPU limit per broker (default ${RENDER_DEFAULTS.cpuLimit})`,
  ],
  ['memory', '--memory <quantity>', `memory per broker (default ${RENDER_DEFAULTS.memory})`],
  [
    'antiAffinity',
    '--anti-affinity <kind>',
    'preferred (default) or required: one broker per node',
  ],
  [
    'replicationFactor',
    '--replication-factor <n>',
    'default.replication.factor (default min(3, brokers))',
  ],
  [
    'minInsyncReplicas',
    '--min-insync-replicas <n>',
    'min.insync.replicas (default RF-1, at least 1)',
  ],
  ['terminationGracePeriod', '--termination-grace-period <s>', 'seconds for controlled shutdown'],
];

type RenderFlags = { [K in keyof RenderOptionTexts]?: string | boolean | string[] };

export function addK8sCommand(program: Command): void {
  const k8s = program.command('k8s').description('Kubernetes manifests for a Gregor cluster');
  const render = k8s
    .command('render')
    .description('Print the Kubernetes objects of a Gregor cluster as YAML (kubectl apply -f -)');
  for (const [, flag, help] of FLAGS) render.option(flag, help);
  render
    .option(
      '--config <key=value>',
      'a broker property for the ConfigMap, e.g. log.retention.hours=72 (repeatable)',
      collect,
      [],
    )
    .option('--no-create-namespace', 'leave the Namespace object out')
    .option('--no-rack-from-zone', "leave broker.rack unset instead of the pod's zone label");
  render.action((flags: RenderFlags) =>
    runTool('', async () => {
      const texts = renderTexts(flags);
      const yaml = renderYaml(renderObjects(options(texts)), commandLine(texts));
      // What would fail at run time (a --config value the broker refuses) fails here instead.
      const problems = checkManifests(parseManifests(yaml));
      if (problems.length > 0)
        throw new UsageError(problems.map((p) => `${p.object}: ${p.problem}`).join('\n'));
      process.stdout.write(yaml);
    }),
  );
  k8s
    .command('monitoring')
    .description(
      'Print a PodMonitor and a PrometheusRule (Prometheus Operator), or --dashboard a Grafana dashboard',
    )
    .option('--name <name>', `the name given to render (default ${RENDER_DEFAULTS.name})`)
    .option(
      '--namespace <ns>',
      `the namespace given to render (default ${RENDER_DEFAULTS.namespace})`,
    )
    .option('--dashboard', 'print the Grafana dashboard JSON instead')
    .action((flags: { name?: string; namespace?: string; dashboard?: boolean }) =>
      runTool('', async () => {
        const texts = { name: flags.name, namespace: flags.namespace };
        const o = options(texts);
        if (flags.dashboard === true) {
          process.stdout.write(`${JSON.stringify(grafanaDashboard(o), null, 2)}\n`);
          return;
        }
        const line = commandLine(texts).replace('k8s render', 'k8s monitoring');
        process.stdout.write(renderYaml(monitoringObjects(o), line));
      }),
    );
  k8s
    .command('check')
    .description('Check manifests for what schemas cannot: selectors, names, ports, budgets')
    .argument('<file...>', 'YAML files (several documents each)')
    .action((files: string[]) =>
      runTool('', async () => {
        const objects: unknown[] = [];
        for (const file of files) {
          try {
            objects.push(...parseManifests(await readFile(file, 'utf8')));
          } catch (err) {
            throw new UsageError(`${file}: ${(err as Error).message}`);
          }
        }
        const problems = checkManifests(objects);
        if (problems.length === 0) {
          process.stdout.write(`${objects.length} objects: no problems found\n`);
          return;
        }
        throw new UsageError(problems.map((p) => `${p.object}: ${p.problem}`).join('\n'));
      }),
    );
}

function renderTexts(flags: RenderFlags): RenderOptionTexts {
  const texts: Record<string, string | boolean> = {};
  for (const [key] of FLAGS) {
    const v = flags[key];
    if (typeof v === 'string') texts[key] = v;
  }
  if (flags.createNamespace === false) texts['createNamespace'] = false;
  if (flags.rackFromZone === false) texts['rackFromZone'] = false;
  const config = flags.config as unknown;
  return { ...(texts as RenderOptionTexts), ...(Array.isArray(config) ? { config } : {}) };
}

function options(texts: RenderOptionTexts) {
  try {
    return parseRenderOptions(texts);
  } catch (err) {
    if (err instanceof RenderOptionError) throw new UsageError(err.message);
    throw err;
  }
}

/** The command that reproduces the output, for its header. */
export function commandLine(texts: RenderOptionTexts): string {
  const parts = ['gregor k8s render'];
  for (const [key, flag] of FLAGS) {
    const v = texts[key];
    if (typeof v === 'string') parts.push(`${flag.split(' ')[0]} ${v}`);
  }
  for (const c of texts.config ?? []) parts.push(`--config ${c}`);
  if (texts.createNamespace === false) parts.push('--no-create-namespace');
  if (texts.rackFromZone === false) parts.push('--no-rack-from-zone');
  return parts.join(' ');
}
