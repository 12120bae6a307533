// What the kubelet does to a container's environment, command and arguments before it starts
// the process: downward-API fields (pod name, namespace, labels, addresses) and ConfigMap keys
// become values, then `$(VAR)` references are expanded in order — a reference to a variable
// defined earlier is replaced, `$$` is a literal `$`, an unknown reference stays as written.
// The semantic check uses it to build each broker's configuration, and the executed-StatefulSet
// test to start the brokers exactly as the pods would run.

/** The parts of a pod the downward API can expose. */
export interface PodIdentity {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly podIP?: string;
  readonly hostIP?: string;
  readonly nodeName?: string;
  readonly serviceAccountName?: string;
}

export interface EnvVarSpec {
  readonly name: string;
  readonly value?: string;
  readonly valueFrom?: {
    readonly fieldRef?: { readonly fieldPath: string };
    readonly configMapKeyRef?: {
      readonly name: string;
      readonly key: string;
      readonly optional?: boolean;
    };
    readonly secretKeyRef?: { readonly name: string; readonly key: string };
    readonly resourceFieldRef?: { readonly resource: string };
  };
}

export interface ContainerSpec {
  readonly command?: readonly string[];
  readonly args?: readonly string[];
  readonly env?: readonly EnvVarSpec[];
}

export class PodEnvironmentError extends Error {
  override readonly name = 'PodEnvironmentError';
}

/** configMap name -> key -> value, for configMapKeyRef. */
export type ConfigMapData = ReadonlyMap<string, Readonly<Record<string, string>>>;

/** The value of a downward-API fieldPath for this pod, as the kubelet gives it. */
export function downwardField(pod: PodIdentity, fieldPath: string): string {
  const label = /^metadata\.labels\['(.+)'\]$/.exec(fieldPath);
  // A label or annotation the pod lacks gives an empty string, as the kubelet does.
  if (label !== null) return pod.labels[label[1]!] ?? '';
  const annotation = /^metadata\.annotations\['(.+)'\]$/.exec(fieldPath);
  if (annotation !== null) return pod.annotations?.[annotation[1]!] ?? '';
  const simple: Record<string, string | undefined> = {
    'metadata.name': pod.name,
    'metadata.namespace': pod.namespace,
    'status.podIP': pod.podIP,
    'status.hostIP': pod.hostIP,
    'spec.nodeName': pod.nodeName,
    'spec.serviceAccountName': pod.serviceAccountName,
  };
  const v = simple[fieldPath];
  if (v === undefined) throw new PodEnvironmentError(`fieldRef ${fieldPath} is not known here`);
  return v;
}

/** Kubernetes' $(VAR) expansion against the variables defined so far. */
export function expandReferences(text: string, vars: ReadonlyMap<string, string>): string {
  return text.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (match, name?: string) => {
    if (match === '$$') return '$';
    return vars.get(name!) ?? match;
  });
}

/** The container's environment as the process sees it, in definition order. */
export function containerEnvironment(
  container: ContainerSpec,
  pod: PodIdentity,
  configMaps: ConfigMapData = new Map(),
): Map<string, string> {
  const vars = new Map<string, string>();
  for (const e of container.env ?? []) {
    vars.set(e.name, envValue(e, pod, configMaps, vars));
  }
  return vars;
}

function envValue(
  e: EnvVarSpec,
  pod: PodIdentity,
  configMaps: ConfigMapData,
  vars: ReadonlyMap<string, string>,
): string {
  if (e.value !== undefined) return expandReferences(e.value, vars);
  const from = e.valueFrom;
  if (from?.fieldRef !== undefined) return downwardField(pod, from.fieldRef.fieldPath);
  if (from?.configMapKeyRef !== undefined) {
    const ref = from.configMapKeyRef;
    const v = configMaps.get(ref.name)?.[ref.key];
    if (v !== undefined) return v;
    if (ref.optional === true) return '';
    throw new PodEnvironmentError(`env ${e.name}: ConfigMap ${ref.name} has no key ${ref.key}`);
  }
  if (from === undefined) return '';
  throw new PodEnvironmentError(
    `env ${e.name}: only value, fieldRef and configMapKeyRef are known here`,
  );
}

/** command + args with references expanded, as the kubelet passes them to the runtime. */
export function containerArgv(
  container: ContainerSpec,
  env: ReadonlyMap<string, string>,
): { command: string[]; args: string[] } {
  return {
    command: (container.command ?? []).map((c) => expandReferences(c, env)),
    args: (container.args ?? []).map((a) => expandReferences(a, env)),
  };
}
