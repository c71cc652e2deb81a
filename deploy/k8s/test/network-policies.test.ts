import { allowed, type Endpoint } from '../src/network-policy-eval';
import { envs, kinds } from './helpers';

// The generated NetworkPolicies, evaluated as the API defines them: the flows the system needs get through, and
// the ones it must not have do not (default deny in both directions for every pod of the namespace).
const hg = (name: string, extra: Record<string, string> = {}): Endpoint => ({ namespace: 'hourglass', labels: { 'app.kubernetes.io/name': name, 'app.kubernetes.io/part-of': 'hourglass', ...extra } });
const api = (name: string) => hg(name, { 'hourglass.dev/kafka-client': 'true' });
const db = (s: string): Endpoint => ({ namespace: 'hourglass', labels: { 'cnpg.io/cluster': `${s}-db`, 'cnpg.io/podRole': 'instance' } });
const pooler = (s: string): Endpoint => ({ namespace: 'hourglass', labels: { 'cnpg.io/poolerName': `${s}-db-pooler-rw`, 'cnpg.io/cluster': `${s}-db` } });
const broker: Endpoint = { namespace: 'hourglass', labels: { 'strimzi.io/cluster': 'hourglass', 'strimzi.io/broker-role': 'true', 'strimzi.io/kind': 'Kafka' } };
const outside = { external: true } as const;
const from = (namespace: string): Endpoint => ({ namespace, labels: {} });

/** What Strimzi generates for the listener from its networkPolicyPeers (it is not in our files). */
function strimziListenerPolicy(env: string) {
  const listener = kinds(env, 'Kafka')[0].spec.kafka.listeners[0];
  return { metadata: { name: 'hourglass-network-policy-kafka', namespace: 'hourglass' }, spec: { podSelector: { matchLabels: { 'strimzi.io/name': 'hourglass-kafka' } }, policyTypes: ['Ingress'], ingress: [{ from: listener.networkPolicyPeers, ports: [{ protocol: 'TCP', port: listener.port }] }] } };
}
const policiesOf = (env: string) => [...kinds(env, 'NetworkPolicy'), strimziListenerPolicy(env)];
const brokerPod: Endpoint = { namespace: 'hourglass', labels: { ...broker.labels, 'strimzi.io/name': 'hourglass-kafka' } };

test.each(envs)('%s: the flows the system needs are allowed', (env) => {
  const p = policiesOf(env);
  const flows: Array<[string, Endpoint | typeof outside, Endpoint | typeof outside, number]> = [
    ['ingress controller → sessions API', from('ingress-nginx'), api('sessions'), 8080],
    ['ingress controller → billing API (webhooks)', from('ingress-nginx'), api('billing'), 8080],
    ['Prometheus → a worker', from('monitoring'), hg('sessions-worker'), 8080],
    ['Prometheus → a worker’s SDK metrics', from('monitoring'), hg('sessions-worker'), 9464],
    ['sessions API → billing API', api('sessions'), api('billing'), 8080],
    ['sessions worker → billing API', hg('sessions-worker'), api('billing'), 8080],
    ['notifications → sessions API (gate)', api('notifications'), api('sessions'), 8080],
    ['sessions API → its pooler', api('sessions'), pooler('sessions'), 5432],
    ['sessions API → its primary (LISTEN, locks)', api('sessions'), db('sessions'), 5432],
    ['billing worker → its pooler', hg('billing-worker'), pooler('billing'), 5432],
    ['pooler → its database', pooler('billing'), db('billing'), 5432],
    ['migrations → every database', hg('hourglass-migrations'), db('notifications'), 5432],
    ['database replication', db('sessions'), db('sessions'), 5432],
    ['CNPG operator → an instance', from('cnpg-system'), db('sessions'), 8000],
    ['sessions API → Kafka', api('sessions'), brokerPod, 9093],
    ['notifications → Kafka', api('notifications'), brokerPod, 9093],
    ['billing API → Stripe', api('billing'), outside, 443],
    ['notifications → SMTP', api('notifications'), outside, 587],
  ];
  for (const [what, a, b, port] of flows) expect([what, allowed(p, a, b, port)]).toEqual([what, true]);
  const temporal: Endpoint | typeof outside = env === 'dev' ? from('temporal') : outside;
  expect(allowed(p, hg('sessions-worker'), temporal, 7233)).toBe(true);
  expect(allowed(p, api('sessions'), temporal, 7233)).toBe(true);
});

test.each(envs)('%s: what must not happen is denied', (env) => {
  const p = policiesOf(env);
  const denied: Array<[string, Endpoint | typeof outside, Endpoint | typeof outside, number]> = [
    ['the internet → an API directly', outside, api('billing'), 8080],
    ['another namespace → billing API', from('default'), api('billing'), 8080],
    ['a worker → Kafka (workers publish through the outbox)', hg('billing-worker'), brokerPod, 9093],
    ['notifications → billing database', api('notifications'), db('billing'), 5432],
    ['sessions API → billing pooler', api('sessions'), pooler('billing'), 5432],
    ['billing API → sessions API (no such call)', api('billing'), api('sessions'), 8080],
    ['a worker → the internet on another port', hg('sessions-worker'), outside, 22],
    ['notifications → Temporal', api('notifications'), env === 'dev' ? from('temporal') : outside, 7233],
    ['an unlabelled pod → Kafka', hg('debug'), brokerPod, 9093],
    ['the ingress controller → a database', from('ingress-nginx'), db('sessions'), 5432],
  ];
  for (const [what, a, b, port] of denied) expect([what, allowed(p, a, b, port)]).toEqual([what, false]);
});

test('without the default deny everything would be open (the denials above come from the policies)', () => {
  expect(allowed([], api('notifications'), db('billing'), 5432)).toBe(true);
});
