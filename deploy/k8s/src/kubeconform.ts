/**
 * The offline check of what `kubectl apply -k` would send: `kustomize build` of an environment, then kubeconform
 * against the Kubernetes, Strimzi and CloudNativePG schemas of src/toolchain.ts (no schema is ever fetched: a kind
 * without a local schema is an error, not a skip).
 *
 *   npm run validate -w deploy/k8s            # dev and prod
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cacheDir } from '@hourglass/local-stack/src/cache';
import { ensureToolchain, type Toolchain } from './toolchain';

export interface ResourceResult {
  filename: string;
  kind: string;
  name: string;
  version: string;
  status: 'statusValid' | 'statusInvalid' | 'statusError' | 'statusSkipped' | 'statusEmpty';
  msg: string;
}

export interface Report {
  resources: ResourceResult[];
  /** One line per resource that is not valid. */
  problems: string[];
}

function run(command: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { maxBuffer: 64 * 1024 * 1024, timeout: 120_000 }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') reject(err); // could not start, or timed out
      else resolve({ code: typeof err?.code === 'number' ? err.code : 0, stdout, stderr });
    });
  });
}

/** `kustomize build <dir>`: the YAML stream an apply would send. */
export async function kustomizeBuild(tc: Toolchain, dir: string): Promise<string> {
  const { code, stdout, stderr } = await run(tc.kustomize, ['build', dir]);
  if (code !== 0) throw new Error(`kustomize build ${dir} failed: ${stderr.trim()}`);
  return stdout;
}

/** kubeconform (strict: no unknown fields, no duplicate keys) over YAML text. */
export async function kubeconform(tc: Toolchain, yamlText: string): Promise<Report> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hourglass-kubeconform-'));
  try {
    const file = path.join(dir, 'manifests.yaml');
    writeFileSync(file, yamlText);
    const locations = tc.schemaLocations.flatMap((l) => ['-schema-location', l]);
    const { stdout, stderr } = await run(tc.kubeconform, ['-strict', '-verbose', '-output', 'json', '-n', '2', ...locations, file]);
    let parsed: { resources?: ResourceResult[] };
    try {
      parsed = JSON.parse(stdout);
    } catch {
      throw new Error(`kubeconform printed no report: ${stderr.trim() || stdout.slice(0, 500)}`);
    }
    const resources = parsed.resources ?? [];
    const problems = resources.filter((r) => r.status !== 'statusValid').map((r) => `${r.kind} ${r.name} (${r.version}): ${r.status.replace('status', '').toLowerCase()} — ${r.msg}`);
    return { resources, problems };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function validateEnvironment(tc: Toolchain, dir: string): Promise<Report> {
  return kubeconform(tc, await kustomizeBuild(tc, dir));
}

export const ENVIRONMENT_DIRS = ['dev', 'prod', 'dev-ingress', 'prod-ingress'].map((env) => path.resolve(__dirname, '..', env));

if (require.main === module) {
  (async () => {
    const tc = await ensureToolchain(cacheDir());
    let failed = false;
    for (const dir of ENVIRONMENT_DIRS) {
      const { resources, problems } = await validateEnvironment(tc, dir);
      console.log(`${path.basename(dir)}: ${resources.length - problems.length}/${resources.length} valid against ${tc.describe}`);
      for (const p of problems) console.log(`  ✖ ${p}`);
      failed ||= problems.length > 0 || resources.length === 0;
    }
    process.exit(failed ? 1 : 0);
  })().catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
