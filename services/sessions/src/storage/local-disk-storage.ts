import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { access, mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ObjectNotFound, type FileStorage } from './file-storage';

/**
 * Files on a local directory (the default). Bytes go to a temporary name and are renamed into place only when the
 * whole stream arrived, so a failed or aborted upload never leaves a partial object under its key.
 */
export function localDiskStorage(root: string): FileStorage {
  const pathOf = (key: string) => {
    if (!/^[\w-]+(\/[\w.-]+)*$/.test(key)) throw new Error(`invalid storage key ${key}`);
    return path.join(root, key);
  };
  return {
    name: 'local-disk',
    async put(key, body: Readable) {
      const final = pathOf(key);
      await mkdir(path.dirname(final), { recursive: true });
      const partial = `${final}.${randomUUID()}.part`;
      try {
        await pipeline(body, createWriteStream(partial, { flags: 'wx' }));
        await rename(partial, final);
      } catch (err) {
        await rm(partial, { force: true });
        throw err;
      }
      return { sizeBytes: (await stat(final)).size };
    },
    async get(key) {
      const file = pathOf(key);
      try {
        await access(file);
      } catch {
        throw new ObjectNotFound(key);
      }
      return createReadStream(file);
    },
    async delete(key) {
      await rm(pathOf(key), { force: true });
    },
    async ping() {
      await mkdir(root, { recursive: true });
      await writeFile(path.join(root, '.ready'), '');
    },
  };
}
