/**
 * Answers "may this pod reach that one on this port?" from a set of NetworkPolicies, the way the API defines it:
 * a pod selected by any policy of a direction is isolated in that direction, and then only the union of those
 * policies' rules lets traffic through; a connection needs the source's egress and the destination's ingress.
 * Used by the tests to hold the generated policies to the flows the system needs (and to none it must not have).
 * `ipBlock` is taken to match addresses outside the cluster only.
 */
export interface Endpoint {
  namespace: string;
  labels: Record<string, string>;
}
export type Target = Endpoint | { external: true };

type Any = Record<string, any>;

function selects(selector: Any | undefined, labels: Record<string, string>): boolean {
  if (!selector) return true;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = e.key in labels;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
    if (e.operator === 'In' && !(has && e.values.includes(labels[e.key]))) return false;
    if (e.operator === 'NotIn' && has && e.values.includes(labels[e.key])) return false;
  }
  return true;
}

function peerMatches(peer: Any, policyNamespace: string, other: Target): boolean {
  if ('external' in other) return Boolean(peer.ipBlock);
  if (peer.ipBlock) return false;
  const nsOk = peer.namespaceSelector ? selects(peer.namespaceSelector, { 'kubernetes.io/metadata.name': other.namespace }) : other.namespace === policyNamespace;
  return nsOk && selects(peer.podSelector, other.labels);
}

function portMatches(ports: Any[] | undefined, port: number, protocol: string): boolean {
  if (!ports || ports.length === 0) return true;
  return ports.some((p) => (p.protocol ?? 'TCP') === protocol && (p.port === undefined || p.port === port || (p.endPort !== undefined && port >= p.port && port <= p.endPort)));
}

function allowedIn(policies: Any[], direction: 'Ingress' | 'Egress', pod: Endpoint, other: Target, port: number, protocol: string): boolean {
  const applying = policies.filter((p) => p.metadata.namespace === pod.namespace && (p.spec.policyTypes ?? ['Ingress']).includes(direction) && selects(p.spec.podSelector, pod.labels));
  if (applying.length === 0) return true;
  const key = direction === 'Ingress' ? 'ingress' : 'egress';
  const peersKey = direction === 'Ingress' ? 'from' : 'to';
  return applying.some((p) => (p.spec[key] ?? []).some((rule: Any) => portMatches(rule.ports, port, protocol) && (!rule[peersKey] || rule[peersKey].some((peer: Any) => peerMatches(peer, p.metadata.namespace, other)))));
}

export function allowed(policies: Any[], from: Endpoint | { external: true }, to: Target, port: number, protocol = 'TCP'): boolean {
  const egressOk = 'external' in from ? true : allowedIn(policies, 'Egress', from, to, port, protocol);
  const ingressOk = 'external' in to ? true : allowedIn(policies, 'Ingress', to, from, port, protocol);
  return egressOk && ingressOk;
}
