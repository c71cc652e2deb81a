import type { IPodSecurityContext } from 'kubernetes-models/v1/PodSecurityContext';
import type { ISecurityContext } from 'kubernetes-models/v1/SecurityContext';

/**
 * Pod Security Standards, profile `restricted` (https://kubernetes.io/docs/concepts/security/pod-security-standards/):
 * what every pod we write sets, and a check of any pod spec against the profile's rules, so a manifest that would be
 * refused by a namespace enforcing `restricted` fails `npm test` first.
 */
export const UID = 1000;

export const podSecurityContext: IPodSecurityContext = { runAsNonRoot: true, runAsUser: UID, runAsGroup: UID, fsGroup: UID, seccompProfile: { type: 'RuntimeDefault' } };

export const containerSecurityContext: ISecurityContext = {
  runAsNonRoot: true,
  runAsUser: UID,
  runAsGroup: UID,
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  privileged: false,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};

/** The namespace labels that make the API server enforce (and warn and audit) the profile. */
export const restrictedNamespaceLabels = {
  'pod-security.kubernetes.io/enforce': 'restricted',
  'pod-security.kubernetes.io/enforce-version': 'latest',
  'pod-security.kubernetes.io/warn': 'restricted',
  'pod-security.kubernetes.io/audit': 'restricted',
};

const ALLOWED_VOLUMES = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret'];
const SAFE_SYSCTLS = ['kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.ip_unprivileged_port_start', 'net.ipv4.tcp_syncookies', 'net.ipv4.ping_group_range', 'net.ipv4.ip_local_reserved_ports', 'net.ipv4.tcp_keepalive_time', 'net.ipv4.tcp_fin_timeout', 'net.ipv4.tcp_keepalive_intvl', 'net.ipv4.tcp_keepalive_probes'];

type Any = Record<string, any>;

/** Every rule of the `restricted` profile a pod spec breaks, each naming the container and field. [] when none. */
export function restrictedViolations(pod: Any): string[] {
  const v: string[] = [];
  const psc: Any = pod.securityContext ?? {};
  for (const f of ['hostNetwork', 'hostPID', 'hostIPC'] as const) if (pod[f]) v.push(`spec.${f} must not be set`);
  for (const vol of pod.volumes ?? []) {
    const type = Object.keys(vol).find((k) => k !== 'name');
    if (!type || !ALLOWED_VOLUMES.includes(type)) v.push(`volume ${vol.name}: type ${type} is not allowed`);
  }
  for (const s of psc.sysctls ?? []) if (!SAFE_SYSCTLS.includes(s.name)) v.push(`sysctl ${s.name} is not allowed`);
  const seccompOk = (t?: string) => t === 'RuntimeDefault' || t === 'Localhost';
  const containers: Any[] = [...(pod.initContainers ?? []), ...(pod.containers ?? []), ...(pod.ephemeralContainers ?? [])];
  for (const c of containers) {
    const sc: Any = c.securityContext ?? {};
    const at = `container ${c.name}`;
    if (sc.privileged) v.push(`${at}: privileged`);
    if (sc.allowPrivilegeEscalation !== false) v.push(`${at}: allowPrivilegeEscalation must be false`);
    if (!(sc.capabilities?.drop ?? []).includes('ALL')) v.push(`${at}: capabilities must drop ALL`);
    for (const cap of sc.capabilities?.add ?? []) if (cap !== 'NET_BIND_SERVICE') v.push(`${at}: capability ${cap} may not be added`);
    if ((sc.runAsNonRoot ?? psc.runAsNonRoot) !== true) v.push(`${at}: runAsNonRoot must be true`);
    if ((sc.runAsUser ?? psc.runAsUser) === 0) v.push(`${at}: runAsUser must not be 0`);
    if (!seccompOk(sc.seccompProfile?.type ?? psc.seccompProfile?.type)) v.push(`${at}: seccompProfile must be RuntimeDefault or Localhost`);
    if (sc.procMount && sc.procMount !== 'Default') v.push(`${at}: procMount must be Default`);
    if (sc.seLinuxOptions?.type && !['container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t'].includes(sc.seLinuxOptions.type)) v.push(`${at}: seLinuxOptions.type ${sc.seLinuxOptions.type}`);
    for (const p of c.ports ?? []) if (p.hostPort) v.push(`${at}: hostPort ${p.hostPort}`);
    if (sc.appArmorProfile?.type === 'Unconfined') v.push(`${at}: appArmorProfile Unconfined`);
  }
  return v;
}

/** Beyond the profile, what we hold every container to: read-only root, and a /tmp of its own to write to. */
export function hardeningGaps(pod: Any): string[] {
  const gaps: string[] = [];
  for (const c of [...(pod.initContainers ?? []), ...(pod.containers ?? [])]) {
    if (c.securityContext?.readOnlyRootFilesystem !== true) gaps.push(`container ${c.name}: readOnlyRootFilesystem must be true`);
    const tmp = (c.volumeMounts ?? []).find((m: Any) => m.mountPath === '/tmp');
    if (!tmp || !(pod.volumes ?? []).some((vol: Any) => vol.name === tmp.name && vol.emptyDir)) gaps.push(`container ${c.name}: /tmp must be an emptyDir`);
  }
  if (pod.automountServiceAccountToken !== false) gaps.push('automountServiceAccountToken must be false');
  return gaps;
}
