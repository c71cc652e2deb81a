import type { Readable } from 'node:stream';

/**
 * Where session files' bytes live. `put` consumes the stream completely or fails leaving nothing behind; a stream
 * that errors (e.g. the size guard) makes `put` reject. Keys are opaque and chosen by the caller.
 */
export interface FileStorage {
  readonly name: string;
  put(key: string, body: Readable): Promise<{ sizeBytes: number }>;
  /** The object's bytes; rejects with ObjectNotFound when there is none. */
  get(key: string): Promise<Readable>;
  /** Removes the object; removing a missing one is not an error. */
  delete(key: string): Promise<void>;
  /** Resolves when the storage can be written (readiness). */
  ping(): Promise<void>;
}

export class ObjectNotFound extends Error {
  constructor(readonly key: string) {
    super(`no stored object ${key}`);
    this.name = 'ObjectNotFound';
  }
}
