import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CreateBucketCommand, ListMultipartUploadsCommand, ListObjectsV2Command, ListPartsCommand, S3Client } from '@aws-sdk/client-s3';
import { ObjectNotFound, type FileStorage } from '../src/storage/file-storage';
import { localDiskStorage } from '../src/storage/local-disk-storage';
import { s3Storage, type S3FileStorage } from '../src/storage/s3-storage';
import { startMoto, type MotoServer } from './moto-server';

// The FileStorage contract, run against every adapter: local disk (a temp dir) and S3 (a real moto server, installed
// into the cache on first use). No Postgres, no stack: `npx jest services/sessions/test/file-storage.contract.test.ts`.

const MiB = 1024 * 1024;
/** First use installs moto with pip (minutes on a slow machine); later runs only start it. */
const INSTALL_TIMEOUT_MS = 25 * 60_000;

interface Harness {
  storage: FileStorage;
  /** Everything the storage holds under `prefix`: objects, and leftovers (partial files, unfinished multipart uploads). */
  holdings(prefix: string): Promise<string[]>;
  close(): Promise<void>;
}

let moto: MotoServer | undefined;
let motoClient: S3Client | undefined;

async function startS3(): Promise<{ server: MotoServer; client: S3Client }> {
  if (!moto) {
    moto = await startMoto();
    motoClient = new S3Client({
      endpoint: moto.endpoint,
      region: moto.region,
      forcePathStyle: true,
      credentials: { accessKeyId: moto.accessKeyId, secretAccessKey: moto.secretAccessKey },
    });
  }
  return { server: moto, client: motoClient! };
}

afterAll(async () => {
  motoClient?.destroy();
  await moto?.stop();
});

function s3Of(server: MotoServer, bucket: string): S3FileStorage {
  return s3Storage({ endpoint: server.endpoint, region: server.region, bucket, accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey, forcePathStyle: true });
}

async function s3Holdings(client: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const objects = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  const uploads = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: prefix }));
  return [...(objects.Contents ?? []).map((o) => o.Key!), ...(uploads.Uploads ?? []).map((u) => `${u.Key} (unfinished multipart upload)`)];
}

const adapters: Array<{ name: string; make: () => Promise<Harness> }> = [
  {
    name: 'local disk',
    make: async () => {
      const root = await mkdtemp(path.join(os.tmpdir(), 'hourglass-storage-'));
      return {
        storage: localDiskStorage(root),
        holdings: async (prefix) => {
          const entries = await readdir(path.join(root, prefix), { recursive: true, withFileTypes: true }).catch(() => []);
          return entries.filter((e) => e.isFile()).map((e) => path.relative(root, path.join(e.parentPath, e.name)));
        },
        close: () => rm(root, { recursive: true, force: true }),
      };
    },
  },
  {
    name: 'S3 (moto)',
    make: async () => {
      const { server, client } = await startS3();
      const bucket = `contract-${randomUUID().slice(0, 8)}`;
      await client.send(new CreateBucketCommand({ Bucket: bucket }));
      const storage = s3Of(server, bucket);
      return { storage, holdings: (prefix) => s3Holdings(client, bucket, prefix), close: async () => storage.close() };
    },
  },
];

/** `total` random bytes as a stream of `chunk`-sized pieces, produced lazily, and their SHA-256 once consumed. */
function randomSource(total: number, chunk = 64 * 1024): { stream: Readable; digest: () => string } {
  const hash = createHash('sha256');
  async function* produce() {
    for (let sent = 0; sent < total; sent += chunk) {
      const piece = randomBytes(Math.min(chunk, total - sent));
      hash.update(piece);
      yield piece;
    }
  }
  return { stream: Readable.from(produce(), { objectMode: false }), digest: () => hash.digest('hex') };
}

async function digestOf(stream: Readable): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const c of stream) {
    hash.update(c as Buffer);
    bytes += (c as Buffer).length;
  }
  return { sha256: hash.digest('hex'), bytes };
}

class TooLarge extends Error {}

/** The caller's size guard (use-cases/files.ts): passes bytes through and errors the stream past `limit`. */
function sizeGuard(limit: number): Transform {
  let size = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      size += chunk.length;
      if (size > limit) return done(new TooLarge(`over the ${limit}-byte limit`));
      done(null, chunk);
    },
  });
}

const newPrefix = () => `sessions/${randomUUID()}`;

describe.each(adapters)('FileStorage contract: $name', ({ make }) => {
  let h: Harness;
  beforeAll(async () => {
    h = await make();
  }, INSTALL_TIMEOUT_MS);
  afterAll(async () => {
    await h?.close();
  });

  test('a few MB streamed in chunks come back byte for byte', async () => {
    const key = `${newPrefix()}/${randomUUID()}`;
    const size = 7 * MiB + 12_345; // more than one 5 MiB multipart part, not a multiple of it
    const source = randomSource(size);
    await expect(h.storage.put(key, source.stream)).resolves.toEqual({ sizeBytes: size });
    expect(await digestOf(await h.storage.get(key))).toEqual({ sha256: source.digest(), bytes: size });
  });

  test.each([0, 1, 100_000])('a %i-byte body comes back whole', async (size) => {
    const key = `${newPrefix()}/${randomUUID()}`;
    const source = randomSource(size, 4096);
    await expect(h.storage.put(key, source.stream)).resolves.toEqual({ sizeBytes: size });
    expect(await digestOf(await h.storage.get(key))).toEqual({ sha256: source.digest(), bytes: size });
  });

  test('get of a missing key rejects with ObjectNotFound', async () => {
    const key = `${newPrefix()}/missing`;
    const err = await h.storage.get(key).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(ObjectNotFound);
    expect((err as ObjectNotFound).key).toBe(key);
  });

  test('delete removes the object and is idempotent', async () => {
    const prefix = newPrefix();
    const key = `${prefix}/${randomUUID()}`;
    await h.storage.put(key, Readable.from([Buffer.from('hello')]));
    await h.storage.delete(key);
    await expect(h.storage.get(key)).rejects.toBeInstanceOf(ObjectNotFound);
    await expect(h.storage.delete(key)).resolves.toBeUndefined();
    await expect(h.storage.delete(`${prefix}/never-stored`)).resolves.toBeUndefined();
    expect(await h.holdings(prefix)).toEqual([]);
  });

  test.each([
    ['early, before a first part is complete', 64 * 1024],
    ['late, after several multipart parts were uploaded', 12 * MiB],
  ])('an input stream that errors %s: put rejects and nothing is stored under the key', async (_when, limit) => {
    const prefix = newPrefix();
    const key = `${prefix}/${randomUUID()}`;
    // As the upload use case does: the request body is piped through the size guard while put reads the guard.
    const guard = sizeGuard(limit);
    const [fed, put] = await Promise.allSettled([pipeline(randomSource(limit + 3 * MiB).stream, guard), h.storage.put(key, guard)]);
    expect(fed.status).toBe('rejected');
    expect(put.status).toBe('rejected');
    expect((put as PromiseRejectedResult).reason).toBeInstanceOf(TooLarge);
    await expect(h.storage.get(key)).rejects.toBeInstanceOf(ObjectNotFound);
    expect(await h.holdings(prefix)).toEqual([]);
  });

  test('ping resolves when the storage is usable', async () => {
    await expect(h.storage.ping()).resolves.toBeUndefined();
  });
});

describe('S3 adapter specifics', () => {
  let server: MotoServer;
  let client: S3Client;
  let bucket: string;
  let storage: S3FileStorage;
  beforeAll(async () => {
    ({ server, client } = await startS3());
    bucket = `specifics-${randomUUID().slice(0, 8)}`;
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    storage = s3Of(server, bucket);
  }, INSTALL_TIMEOUT_MS);
  afterAll(() => storage?.close());

  test('streams: parts reach the server while the input is still arriving', async () => {
    const key = `${newPrefix()}/${randomUUID()}`;
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    async function* body() {
      for (let i = 0; i < 11; i++) yield randomBytes(MiB); // two full 5 MiB parts and a bit
      await released; // the rest of the file has not arrived yet
      yield randomBytes(MiB);
    }
    const put = storage.put(key, Readable.from(body(), { objectMode: false }));
    // Before the input ends, an unfinished multipart upload under the key already holds parts.
    const deadline = Date.now() + 45_000;
    let parts = 0;
    while (parts === 0) {
      if (Date.now() > deadline) throw new Error('no part was uploaded before the input ended');
      const uploads = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: key }));
      const upload = uploads.Uploads?.[0];
      if (upload) parts = (await client.send(new ListPartsCommand({ Bucket: bucket, Key: key, UploadId: upload.UploadId }))).Parts?.length ?? 0;
      if (parts === 0) await new Promise((r) => setTimeout(r, 200));
    }
    release();
    await expect(put).resolves.toEqual({ sizeBytes: 12 * MiB });
    expect(await s3Holdings(client, bucket, key)).toEqual([key]);
  });

  test.each([
    ['a small body (single PUT)', 1000],
    ['a large body (multipart)', 20 * MiB],
  ])('a failing server: put of %s rejects and releases its feeder; ping names the bucket', async (_what, size) => {
    const broken = s3Of(server, 'no-such-bucket-here');
    try {
      const guard = sizeGuard(100 * MiB);
      // Settles at all only if put destroys the guard it gave up reading (else the feeder waits on back-pressure).
      const [fed, put] = await Promise.allSettled([pipeline(randomSource(size).stream, guard), broken.put(`${newPrefix()}/x`, guard)]);
      expect(put.status).toBe('rejected');
      expect((put as PromiseRejectedResult).reason.name).toBe('NoSuchBucket');
      if (size > 64 * 1024) expect(fed.status).toBe('rejected');
      await expect(broken.ping()).rejects.toThrow(/no-such-bucket-here .*HTTP 404/);
    } finally {
      broken.close();
    }
  });
});
