import path from 'node:path';
import type { SessionsConfig } from '../config';
import type { FileStorage } from './file-storage';
import { localDiskStorage } from './local-disk-storage';
import { s3Storage } from './s3-storage';

export { ObjectNotFound, type FileStorage } from './file-storage';
export { localDiskStorage } from './local-disk-storage';
export { s3Storage, type S3FileStorage, type S3StorageOptions } from './s3-storage';

type StorageConfig = Pick<
  SessionsConfig,
  'FILE_STORAGE' | 'FILES_DIR' | 'S3_ENDPOINT' | 'S3_REGION' | 'S3_BUCKET' | 'S3_ACCESS_KEY_ID' | 'S3_SECRET_ACCESS_KEY' | 'S3_FORCE_PATH_STYLE'
>;

/** The storage FILE_STORAGE names: `local` (FILES_DIR, the default) or `s3` (a bucket of an S3-compatible server). */
export function createFileStorage(config: StorageConfig): FileStorage {
  if (config.FILE_STORAGE === 'local') return localDiskStorage(path.resolve(config.FILES_DIR));
  const { S3_ENDPOINT: endpoint, S3_BUCKET: bucket, S3_ACCESS_KEY_ID: accessKeyId, S3_SECRET_ACCESS_KEY: secretAccessKey } = config;
  // loadConfig already refused these missing; this keeps a hand-built config honest too.
  if (!endpoint || !bucket || !accessKeyId || !secretAccessKey) {
    throw new Error('FILE_STORAGE=s3 needs S3_ENDPOINT, S3_BUCKET, S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY');
  }
  return s3Storage({ endpoint, region: config.S3_REGION, bucket, accessKeyId, secretAccessKey, forcePathStyle: config.S3_FORCE_PATH_STYLE });
}
