import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { createLogger } from '@hourglass/logger';
import { throwawayDatabase, type ThrowawayDatabase } from '@hourglass/testing';
import { sessionsMigrations } from '../src/adapters/database';
import { eventsAfter } from '../src/adapters/session-events';
import { sniffContentType } from '../src/domain/content-type';
import { signDownload } from '../src/domain/signed-url';
import { localDiskStorage } from '../src/storage/local-disk-storage';
import * as files from '../src/use-cases/files';

// Session files against a real Postgres and a real directory: what is stored and what is recorded never disagree.
jest.setTimeout(60_000);

let db: ThrowawayDatabase;
let dir: string;
const logger = createLogger({ service: 'files-test', level: 'silent' });
const deps = (over: Partial<files.FileDeps> = {}): files.FileDeps => ({ pool: db.pool, storage: localDiskStorage(dir), signingSecret: 'test-secret-0123456789', planUploadLimitMb: async () => 10, logger, ...over });

beforeAll(async () => {
  db = await throwawayDatabase('sessions_files', sessionsMigrations);
  dir = await mkdtemp(path.join(os.tmpdir(), 'hourglass-files-'));
});
afterAll(async () => {
  await db?.drop();
  await rm(dir, { recursive: true, force: true });
});

async function session(): Promise<string> {
  const id = randomUUID();
  await db.pool.query(
    `INSERT INTO sessions (id, user_id, mode, session_type, status, duration_minutes, started_at, expires_at, credit_kind, ledger_entry_id)
     VALUES ($1::uuid, 'owner-' || $1::text, 'live', 'paid', 'active', 45, now(), now() + interval '45 minutes', 'paid', 'l1')`,
    [id],
  );
  return id;
}
const objects = async () => (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile() && e.name !== '.ready').map((e) => e.name);
const rows = async (sessionId: string) => (await db.pool.query(`SELECT * FROM session_files WHERE session_id = $1`, [sessionId])).rows;
const refusal = (p: Promise<unknown>) => p.then(() => { throw new Error('expected a refusal'); }, (e) => e);

test('a stored file has its row, its bytes and a file:added event', async () => {
  const id = await session();
  const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(1000, 7)]);
  const file = await files.storeSessionFile(deps(), { sessionId: id, uploadedBy: 'owner', filename: '../../etc/notes.png', body: Readable.from([png]), maxBytes: 10_000 });
  expect(file).toMatchObject({ filename: 'notes.png', contentType: 'image/png', sizeBytes: png.length });
  expect(await rows(id)).toHaveLength(1);
  const [event] = await eventsAfter(db.pool, id, 0);
  expect(event).toMatchObject({ version: 1, type: 'file:added', data: { file_id: file.id, filename: 'notes.png' } });
  const link = files.fileBody(deps(), file, 'http://sessions.test');
  const url = new URL(link.download_url);
  const opened = await files.openSignedDownload(deps(), file.id, Number(url.searchParams.get('expires')), url.searchParams.get('signature')!);
  const chunks: Buffer[] = [];
  for await (const c of opened.body) chunks.push(c as Buffer);
  expect(Buffer.concat(chunks).equals(png)).toBe(true);
});

test('a file over the limit by one byte is refused with the limit, leaving no object and no row', async () => {
  const id = await session();
  const before = await objects();
  const chunks = Array.from({ length: 10 }, () => Buffer.alloc(100, 1)); // 1000 bytes, streamed in pieces
  const err = await refusal(files.storeSessionFile(deps(), { sessionId: id, uploadedBy: 'owner', filename: 'big.bin', body: Readable.from([...chunks, Buffer.alloc(1)]), maxBytes: 1000 }));
  expect(err).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', status: 413, details: { max_bytes: 1000 } });
  expect(await rows(id)).toEqual([]);
  expect(await objects()).toEqual(before);
  const exact = await files.storeSessionFile(deps(), { sessionId: id, uploadedBy: 'owner', filename: 'exact.bin', body: Readable.from(chunks), maxBytes: 1000 });
  expect(exact.sizeBytes).toBe(1000);
});

test('storage write failure → no dangling row', async () => {
  const id = await session();
  const notADirectory = path.join(dir, 'plain-file');
  await writeFile(notADirectory, 'x');
  // 5 MB: far more than a stream buffers, so an upload the storage never reads would hang instead of failing.
  const body = Readable.from(Array.from({ length: 80 }, () => Buffer.alloc(64 * 1024, 7)));
  const err = await refusal(files.storeSessionFile(deps({ storage: localDiskStorage(notADirectory) }), { sessionId: id, uploadedBy: 'owner', filename: 'a.txt', body, maxBytes: 10 * 1024 * 1024 }));
  expect(err).toMatchObject({ code: 'UNAVAILABLE', status: 503 });
  expect(await rows(id)).toEqual([]);
  expect(await eventsAfter(db.pool, id, 0)).toEqual([]);
});

test('database write failure → no orphan object', async () => {
  const before = await objects();
  const missingSession = randomUUID(); // the row's foreign key fails after the bytes were stored
  await expect(files.storeSessionFile(deps(), { sessionId: missingSession, uploadedBy: 'owner', filename: 'a.txt', body: Readable.from([Buffer.from('hello')]), maxBytes: 1000 })).rejects.toThrow(/foreign key/);
  expect(await objects()).toEqual(before);
});

test('a failing plan lookup falls back to the default limit instead of failing the upload (seed 003)', async () => {
  const limit = await files.uploadLimitBytes({ logger, planUploadLimitMb: async () => { throw new Error('billing down'); } }, 'owner');
  expect(limit).toBe(files.DEFAULT_MAX_UPLOAD_MB * 1024 * 1024);
  expect(await files.uploadLimitBytes({ logger, planUploadLimitMb: async () => 2 }, 'owner')).toBe(2 * 1024 * 1024);
});

test('download links: tampered or expired → 403, valid → the file', async () => {
  const id = await session();
  const file = await files.storeSessionFile(deps(), { sessionId: id, uploadedBy: 'owner', filename: 'a.txt', body: Readable.from([Buffer.from('hello')]), maxBytes: 1000 });
  const now = new Date();
  const { expires, signature } = signDownload('test-secret-0123456789', file.id, now);
  await expect(files.openSignedDownload(deps(), file.id, expires + 1, signature)).rejects.toMatchObject({ status: 403, details: { reason: 'bad_signature' } });
  await expect(files.openSignedDownload(deps(), randomUUID(), expires, signature)).rejects.toMatchObject({ status: 403 });
  const later = new Date(now.getTime() + 3601_000);
  await expect(files.openSignedDownload(deps({ now: () => later }), file.id, expires, signature)).rejects.toMatchObject({ status: 403, details: { reason: 'expired' } });
  const ok = await files.openSignedDownload(deps({ now: () => new Date(now.getTime() + 3599_000) }), file.id, expires, signature);
  ok.body.destroy();
  expect(ok.file.id).toBe(file.id);
});

test('content types come from the bytes', () => {
  expect(sniffContentType(Buffer.from('%PDF-1.7\n'))).toBe('application/pdf');
  expect(sniffContentType(Buffer.from([0xff, 0xd8, 0xff, 0xe0]))).toBe('image/jpeg');
  expect(sniffContentType(Buffer.from('plain words, ünïcode'))).toBe('text/plain; charset=utf-8');
  expect(sniffContentType(Buffer.from([0, 1, 2, 3, 250, 251]))).toBe('application/octet-stream');
  expect(files.cleanFilename('C:\\Users\\x\\"evil"\n.txt')).toBe('evil.txt');
});
