import { Readable } from 'node:stream';
import { DeleteObjectCommand, GetObjectCommand, HeadBucketCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { ObjectNotFound, type FileStorage } from './file-storage';

export interface S3StorageOptions {
  /** The S3-compatible server, e.g. http://127.0.0.1:9000 (MinIO, Ceph, R2, moto) or https://s3.eu-west-1.amazonaws.com. */
  endpoint: string;
  region: string;
  /** An existing bucket: the adapter never creates buckets. */
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** `http://host/bucket/key` instead of `http://bucket.host/key`; most self-hosted servers need it. */
  forcePathStyle: boolean;
  /** Multipart part size in bytes (min 5 MiB, the S3 limit); also what one upload holds in memory per queued part. */
  partSize?: number;
  /** Parts uploaded at once per file (default 2): memory per upload is about partSize × (queueSize + 1). */
  queueSize?: number;
}

export interface S3FileStorage extends FileStorage {
  /** Closes the client's sockets (tests; processes just exit). */
  close(): void;
}

const MIN_PART_SIZE = 5 * 1024 * 1024;

/**
 * Files in a bucket of an S3-compatible server. `put` streams with a multipart upload (lib-storage `Upload`): the
 * input is cut into parts as it arrives and at most `queueSize` parts are in flight, so a file is never held whole
 * in memory. A body smaller than one part goes up as a single PutObject once the stream has ended. Either way the
 * object becomes visible only when the whole stream arrived: when the input errors (the caller's size guard) or S3
 * fails, the multipart upload is aborted (its parts are dropped), `put` rejects, and the input is destroyed so
 * whoever feeds it is not left waiting on back-pressure.
 */
export function s3Storage(options: S3StorageOptions): S3FileStorage {
  const { bucket } = options;
  const client = new S3Client({
    endpoint: options.endpoint,
    region: options.region,
    forcePathStyle: options.forcePathStyle,
    credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey },
    // The SDK's default (CRC32 checksums on every request) is not understood by every S3-compatible server.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const partSize = Math.max(MIN_PART_SIZE, options.partSize ?? MIN_PART_SIZE);
  const queueSize = options.queueSize ?? 2;

  return {
    name: 's3',
    async put(key, body) {
      let sizeBytes = 0;
      async function* counted() {
        for await (const chunk of body) {
          sizeBytes += (chunk as Buffer).length;
          yield chunk as Buffer;
        }
      }
      const input = Readable.from(counted(), { objectMode: false });
      try {
        checkKey(key);
        await new Upload({ client, params: { Bucket: bucket, Key: key, Body: input }, partSize, queueSize, leavePartsOnError: false }).done();
      } catch (err) {
        // Whatever was not read is not coming: release the producer (its pipeline rejects instead of hanging).
        input.destroy();
        if (!body.destroyed) body.destroy(err instanceof Error ? err : new Error(String(err)));
        throw err;
      }
      return { sizeBytes };
    },
    async get(key) {
      checkKey(key);
      try {
        const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        if (!(res.Body instanceof Readable)) throw new Error(`GetObject ${key}: the response body is not a Node stream`);
        return res.Body;
      } catch (err) {
        if (isNotFound(err)) throw new ObjectNotFound(key);
        throw err;
      }
    },
    async delete(key) {
      checkKey(key);
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key })); // S3 answers 204 for a missing key too
    },
    async ping() {
      // The bucket exists and these credentials reach it. No write: readiness probes would pay for a PUT each.
      try {
        await client.send(new HeadBucketCommand({ Bucket: bucket }));
      } catch (err) {
        const status = (err as S3ServiceException).$metadata?.httpStatusCode;
        throw new Error(`S3 bucket ${bucket} at ${options.endpoint} is not reachable${status ? ` (HTTP ${status})` : ''}: ${(err as Error).name}`, { cause: err });
      }
    },
    close() {
      client.destroy();
    },
  };
}

/** The same keys as the local disk adapter accepts, so a key valid for one storage is valid for the other. */
function checkKey(key: string): void {
  if (!/^[\w-]+(\/[\w.-]+)*$/.test(key)) throw new Error(`invalid storage key ${key}`);
}

function isNotFound(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (err.name === 'NoSuchKey') return true;
  return (err as S3ServiceException).$metadata?.httpStatusCode === 404 && err.name !== 'NoSuchBucket'; // a missing bucket is misconfiguration
}
