import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';

export const root = path.resolve(__dirname, '..');
export const repo = path.resolve(root, '..', '..');
export const envs = ['dev', 'prod'] as const;

/** Every document of a committed environment directory, with the file it is in. */
export const docsOf = (dir: string): Array<{ file: string; doc: any }> =>
  readdirSync(path.join(root, dir))
    .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
    .flatMap((f) => parseAllDocuments(readFileSync(path.join(root, dir, f), 'utf8')).map((d) => ({ file: f, doc: d.toJSON() as any })));

export const kinds = (dir: string, kind: string) => docsOf(dir).map((d) => d.doc).filter((d) => d.kind === kind);

/** Every pod template: Deployments' and the Job's. */
export const podTemplates = (dir: string): Array<{ owner: string; spec: any }> =>
  docsOf(dir)
    .map((d) => d.doc)
    .filter((d) => d.kind === 'Deployment' || d.kind === 'Job')
    .map((d) => ({ owner: `${d.kind} ${d.metadata.name}`, spec: d.spec.template.spec }));
