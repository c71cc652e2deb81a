/**
 * The policy linter beside kubeconform: kube-score (`go install`, src/toolchain.ts) over what `kubectl apply -k`
 * would send. Every CRITICAL or WARNING is a problem, except the checks below, each ignored for a stated reason.
 * (kube-linter and Polaris were the first choices; the Go module proxy here serves neither.)
 *
 *   npm run lint:policy -w deploy/k8s
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cacheDir } from '@hourglass/local-stack/src/cache';
import { ENVIRONMENT_DIRS, kustomizeBuild } from './kubeconform';
import { ensureToolchain, type Toolchain } from './toolchain';

export const IGNORED: Record<string, string> = {
  // kube-score wants a uid above 10000; ours is the image's own `node` user, 1000 (numeric, non-root, enforced by
  // runAsNonRoot and the restricted profile). Moving it would change every image's file ownership for no gain.
  'container-security-context-user-group-id': 'uid/gid 1000 is the images’ non-root node user',
};

export function kubeScore(tc: Toolchain, yamlText: string): Promise<string[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hourglass-kube-score-'));
  const file = path.join(dir, 'manifests.yaml');
  writeFileSync(file, yamlText);
  const args = ['score', '--output-format', 'ci', ...Object.keys(IGNORED).flatMap((t) => ['--ignore-test', t]), file];
  return new Promise((resolve, reject) => {
    execFile(tc.kubeScore, args, { maxBuffer: 64 * 1024 * 1024, timeout: 120_000 }, (err, stdout, stderr) => {
      rmSync(dir, { recursive: true, force: true });
      if (err && typeof err.code !== 'number') return reject(err);
      if (!stdout.trim()) return reject(new Error(`kube-score printed nothing: ${stderr.trim()}`));
      resolve(stdout.split('\n').filter((l) => /^\[(CRITICAL|WARNING)\]/.test(l)));
    });
  });
}

if (require.main === module) {
  (async () => {
    const tc = await ensureToolchain(cacheDir());
    let failed = false;
    for (const dir of ENVIRONMENT_DIRS) {
      const problems = await kubeScore(tc, await kustomizeBuild(tc, dir));
      console.log(`${path.basename(dir)}: ${problems.length === 0 ? 'kube-score clean' : `${problems.length} problem(s)`}`);
      for (const p of problems) console.log(`  ✖ ${p}`);
      failed ||= problems.length > 0;
    }
    process.exit(failed ? 1 : 0);
  })().catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
