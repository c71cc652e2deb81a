import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DomainError, notFound } from '@hourglass/errors';
import type { Logger } from '@hourglass/logger';
import { withTransaction, type Pool, type Queryable } from '@hourglass/postgres';
import { appendSessionEvent } from '../adapters/session-events';
import { sniffContentType } from '../domain/content-type';
import { checkDownload, signDownload } from '../domain/signed-url';
import type { FileStorage } from '../storage/file-storage';

export const DEFAULT_MAX_UPLOAD_MB = 10;
const MIB = 1024 * 1024;
const SNIFF_BYTES = 512;

export interface FileDeps {
  pool: Pool;
  storage: FileStorage;
  /** Secret for download links' HMAC. */
  signingSecret: string;
  /** The plan's upload limit in MB (MiB) for a user; may fail — the default limit applies then. */
  planUploadLimitMb: (userId: string) => Promise<number>;
  logger: Logger;
  now?: () => Date;
}

export interface StoredFile {
  id: string;
  sessionId: string;
  uploadedBy: string;
  filename: string;
  contentType: string;
  sizeBytes: number;
  createdAt: Date;
}

/**
 * The upload limit for files of a session owned by userId. A plan lookup that fails must not fail the upload
 * (seed 003: the lookup crashed requests): the default limit applies and the failure is logged.
 */
export async function uploadLimitBytes(deps: Pick<FileDeps, 'planUploadLimitMb' | 'logger'>, userId: string): Promise<number> {
  try {
    return Math.floor((await deps.planUploadLimitMb(userId)) * MIB);
  } catch (err) {
    deps.logger.warn({ err, userId }, 'plan upload limit unavailable; using the default');
    return DEFAULT_MAX_UPLOAD_MB * MIB;
  }
}

export function tooLarge(maxBytes: number): DomainError {
  return new DomainError('PAYLOAD_TOO_LARGE', `The file is larger than the plan allows (${maxBytes} bytes)`, { max_bytes: maxBytes, max_upload_mb: maxBytes / MIB });
}

/**
 * Streams a file into storage (never whole in memory), refusing it past maxBytes, then records its row and a
 * `file:added` event in one transaction. Storage failure → no row; row failure → the stored object is deleted.
 */
export async function storeSessionFile(deps: FileDeps, input: { sessionId: string; uploadedBy: string; filename: string; body: Readable; maxBytes: number }): Promise<StoredFile> {
  const id = randomUUID();
  const key = `sessions/${input.sessionId}/${id}`;
  const head: Buffer[] = [];
  let headBytes = 0;
  let size = 0;
  const guard = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      size += chunk.length;
      if (size > input.maxBytes) return done(tooLarge(input.maxBytes));
      if (headBytes < SNIFF_BYTES) {
        head.push(chunk);
        headBytes += chunk.length;
      }
      done(null, chunk);
    },
  });
  // A storage that fails without reading (e.g. its directory cannot be created) must not leave the upload waiting.
  const storing = deps.storage.put(key, guard).catch((err: unknown) => {
    guard.destroy(err as Error);
    throw err;
  });
  const [fed, put] = await Promise.allSettled([pipeline(input.body, guard), storing]);
  if (fed.status === 'rejected' || put.status === 'rejected') {
    await deps.storage.delete(key).catch(() => undefined);
    const err = fed.status === 'rejected' ? fed.reason : (put as PromiseRejectedResult).reason;
    if (err instanceof DomainError) throw err;
    deps.logger.error({ err, key, storage: deps.storage.name }, 'storing a session file failed');
    throw new DomainError('UNAVAILABLE', 'The file could not be stored; nothing was saved');
  }

  const file: StoredFile = {
    id,
    sessionId: input.sessionId,
    uploadedBy: input.uploadedBy,
    filename: cleanFilename(input.filename),
    contentType: sniffContentType(Buffer.concat(head).subarray(0, SNIFF_BYTES)),
    sizeBytes: put.value.sizeBytes,
    createdAt: (deps.now ?? (() => new Date()))(),
  };
  try {
    await withTransaction(deps.pool, async (tx) => {
      await tx.query(
        `INSERT INTO session_files (id, session_id, uploaded_by, filename, content_type, size_bytes, storage_key, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [file.id, file.sessionId, file.uploadedBy, file.filename, file.contentType, file.sizeBytes, key, file.createdAt],
      );
      await appendSessionEvent(tx, file.sessionId, 'file:added', { file_id: file.id, filename: file.filename, content_type: file.contentType, size_bytes: file.sizeBytes, uploaded_by: file.uploadedBy });
    });
  } catch (err) {
    await deps.storage.delete(key);
    throw err;
  }
  return file;
}

/**
 * A filename safe to show: no path, no control characters, no bidirectional overrides (which make `txt.exe` read
 * as `exe.txt`), no quotes, at most 255 characters. Any other character stays (the download header encodes it).
 */
export function cleanFilename(name: string): string {
  const base = name.split(/[\\/]/).pop()!.replace(/[\p{Cc}\u200e\u200f\u202a-\u202e\u2066-\u2069"]/gu, '').trim();
  return (base || 'file').slice(0, 255);
}

const rowToFile = (r: Record<string, any>): StoredFile & { storageKey: string } => ({
  id: r.id,
  sessionId: r.session_id,
  uploadedBy: r.uploaded_by,
  filename: r.filename,
  contentType: r.content_type,
  sizeBytes: Number(r.size_bytes),
  createdAt: r.created_at,
  storageKey: r.storage_key,
});

export async function listSessionFiles(db: Queryable, sessionId: string): Promise<StoredFile[]> {
  const { rows } = await db.query(`SELECT * FROM session_files WHERE session_id = $1 ORDER BY created_at, id`, [sessionId]);
  return rows.map(rowToFile);
}

/** The API's view of a file, with a download link signed for an hour. */
export function fileBody(deps: Pick<FileDeps, 'signingSecret' | 'now'>, file: StoredFile, baseUrl: string) {
  const { expires, signature } = signDownload(deps.signingSecret, file.id, (deps.now ?? (() => new Date()))());
  const url = new URL(`/api/files/${file.id}/download`, baseUrl);
  url.searchParams.set('expires', String(expires));
  url.searchParams.set('signature', signature);
  return {
    id: file.id,
    session_id: file.sessionId,
    filename: file.filename,
    content_type: file.contentType,
    size_bytes: file.sizeBytes,
    uploaded_by: file.uploadedBy,
    created_at: file.createdAt.toISOString(),
    download_url: url.toString(),
    download_url_expires_at: new Date(expires * 1000).toISOString(),
  };
}

/** Opens a file for a signed link: tampered or expired → 403, unknown file → 404. */
export async function openSignedDownload(deps: FileDeps, fileId: string, expires: number, signature: string) {
  const check = checkDownload(deps.signingSecret, fileId, expires, signature, (deps.now ?? (() => new Date()))());
  if (!check.ok) throw new DomainError('FORBIDDEN', check.reason === 'expired' ? 'The download link has expired' : 'The download link is not valid', { reason: check.reason });
  const { rows } = await deps.pool.query(`SELECT * FROM session_files WHERE id = $1`, [fileId]);
  if (!rows[0]) throw notFound('File', { file_id: fileId });
  const file = rowToFile(rows[0]);
  return { file, body: await deps.storage.get(file.storageKey) };
}
