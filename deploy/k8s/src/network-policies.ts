import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import type { INetworkPolicyEgressRule } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicyEgressRule';
import type { INetworkPolicyIngressRule } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicyIngressRule';
import type { INetworkPolicyPeer } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicyPeer';
import type { INetworkPolicyPort } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicyPort';
import type { Environment } from './environments';
import { dbCluster, labelsOf, MIGRATIONS, NAMESPACE, poolerName, PORT, PROCESSES, SDK_METRICS_PORT, SERVICES, type ProcessSpec, type ServiceName } from './processes';
import { KAFKA_CLUSTER, KAFKA_TLS_PORT } from './strimzi';

/**
 * Default deny, in and out, for every pod of the namespace; then each flow the system needs, allowed explicitly:
 * the ingress controller and Prometheus to the APIs, API to API as the services call each other, every process to
 * its own database (through its pooler, and directly for session-level work), the APIs to Kafka's TLS listener,
 * the Temporal clients to Temporal, and the internet ports each one needs (payment providers, SMTP, S3). The
 * databases and Kafka get the flows their operators need. Kafka's ingress comes from Strimzi's own generated
 * NetworkPolicies (its listener admits only pods labelled as Kafka clients).
 */
export const INGRESS_NAMESPACE = 'ingress-nginx';
export const MONITORING_NAMESPACE = 'monitoring';
export const CNPG_OPERATOR_NAMESPACE = 'cnpg-system';
export const TEMPORAL_NAMESPACE = 'temporal';

const ns = (name: string): INetworkPolicyPeer => ({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': name } } });
const pods = (matchLabels: Record<string, string>): INetworkPolicyPeer => ({ podSelector: { matchLabels } });
const anywhere: INetworkPolicyPeer = { ipBlock: { cidr: '0.0.0.0/0' } };
const tcp = (...ports: number[]): INetworkPolicyPort[] => ports.map((port) => ({ protocol: 'TCP' as const, port }));
const instancesOf = (s: ServiceName) => ({ 'cnpg.io/cluster': dbCluster(s), 'cnpg.io/podRole': 'instance' });
const poolerPods = (s: ServiceName) => ({ 'cnpg.io/poolerName': poolerName(s) });
/** The Kubernetes API server (the operators' pods talk to it): its address is the cluster's own, so by port. */
const kubeApi: INetworkPolicyEgressRule = { to: [anywhere], ports: tcp(443, 6443) };

/** Pods an operator makes (CNPG's instances and poolers, Strimzi's): kube-score cannot see them in the manifests. */
const OPERATOR_PODS = { 'kube-score/ignore': 'networkpolicy-targets-pod' };

function policy(name: string, podSelector: Record<string, string>, ingress: INetworkPolicyIngressRule[] | undefined, egress: INetworkPolicyEgressRule[] | undefined, annotations?: Record<string, string>): NetworkPolicy {
  return new NetworkPolicy({
    metadata: { name, namespace: NAMESPACE, ...(annotations ? { annotations } : {}) },
    spec: {
      podSelector: { matchLabels: podSelector },
      policyTypes: [...(ingress ? (['Ingress'] as const) : []), ...(egress ? (['Egress'] as const) : [])],
      ...(ingress ? { ingress } : {}),
      ...(egress ? { egress } : {}),
    },
  });
}

function processPolicy(env: Environment, p: ProcessSpec): NetworkPolicy {
  const callers = PROCESSES.filter((c) => c.calls.includes(p.service)).map((c) => pods(labelsOf(c.name)));
  const ingress: INetworkPolicyIngressRule[] =
    p.kind === 'api'
      ? [{ from: [ns(INGRESS_NAMESPACE), ns(MONITORING_NAMESPACE), ...callers], ports: tcp(PORT) }]
      : [{ from: [ns(MONITORING_NAMESPACE)], ports: tcp(PORT, SDK_METRICS_PORT) }];
  const egress: INetworkPolicyEgressRule[] = [
    { to: [pods(poolerPods(p.service)), pods(instancesOf(p.service))], ports: tcp(5432) },
    ...(p.kafka ? [{ to: [pods({ 'strimzi.io/cluster': KAFKA_CLUSTER, 'strimzi.io/broker-role': 'true' })], ports: tcp(KAFKA_TLS_PORT) }] : []),
    ...(p.temporal ? [{ to: [env.temporal.inCluster ? ns(TEMPORAL_NAMESPACE) : anywhere], ports: tcp(Number(env.temporal.address.split(':')[1])) }] : []),
    ...(p.calls.length > 0 ? [{ to: p.calls.map((s) => pods(labelsOf(s))), ports: tcp(PORT) }] : []),
    ...(p.internetPorts.length > 0 ? [{ to: [anywhere], ports: tcp(...p.internetPorts) }] : []),
  ];
  return policy(p.name, labelsOf(p.name), ingress, egress);
}

function databasePolicies(s: ServiceName): NetworkPolicy[] {
  const clients = [...PROCESSES.filter((p) => p.service === s).map((p) => pods(labelsOf(p.name))), pods(labelsOf(MIGRATIONS))];
  const instances = pods(instancesOf(s));
  return [
    policy(
      dbCluster(s),
      instancesOf(s),
      [
        { from: [...clients, pods(poolerPods(s)), instances], ports: tcp(5432) },
        { from: [ns(CNPG_OPERATOR_NAMESPACE), instances], ports: tcp(8000) },
        { from: [ns(MONITORING_NAMESPACE)], ports: tcp(9187) },
      ],
      // Replication and the instance manager's status between instances; the API server; the backup bucket.
      [{ to: [instances], ports: tcp(5432, 8000) }, kubeApi],
      OPERATOR_PODS,
    ),
    policy(poolerName(s), poolerPods(s), [{ from: clients, ports: tcp(5432) }, { from: [ns(MONITORING_NAMESPACE)], ports: tcp(9127) }], [{ to: [instances], ports: tcp(5432) }, kubeApi], OPERATOR_PODS),
  ];
}

export function networkPolicies(env: Environment): NetworkPolicy[] {
  return [
    new NetworkPolicy({ metadata: { name: 'default-deny', namespace: NAMESPACE }, spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] } }),
    new NetworkPolicy({
      metadata: { name: 'dns', namespace: NAMESPACE },
      spec: { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ namespaceSelector: {}, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }], ports: [{ protocol: 'UDP' as const, port: 53 }, ...tcp(53)] }] },
    }),
    ...PROCESSES.map((p) => processPolicy(env, p)),
    policy(MIGRATIONS, labelsOf(MIGRATIONS), undefined, [{ to: SERVICES.map((s) => pods(instancesOf(s))), ports: tcp(5432) }]),
    ...SERVICES.flatMap(databasePolicies),
    // Kafka's pods (brokers, controllers, entity operator, exporter) among themselves and to the API server;
    // their ingress is Strimzi's generated NetworkPolicies.
    policy('kafka-egress', { 'strimzi.io/cluster': KAFKA_CLUSTER }, undefined, [{ to: [pods({ 'strimzi.io/cluster': KAFKA_CLUSTER })] }, kubeApi], OPERATOR_PODS),
  ];
}
