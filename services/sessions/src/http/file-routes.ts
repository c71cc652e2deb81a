import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import busboy from 'busboy';
import { Router, type Request } from 'express';
import { z } from 'zod';
import { principalOf, requireAuth } from '@hourglass/auth';
import { DomainError } from '@hourglass/errors';
import { route } from '@hourglass/http';
import { attachmentDisposition } from '../domain/content-disposition';
import { ObjectNotFound } from '../storage/file-storage';
import * as files from '../use-cases/files';
import { accessibleSession, type Deps } from '../use-cases/sessions';
import { fileView, sessionIdParam } from './schemas';

const downloadQuery = z.object({ expires: z.coerce.number().int().positive(), signature: z.string().min(1).max(128) });
const fileIdParam = z.object({ fileId: z.uuid() });

/**
 * The first file part of a multipart body, as a stream (busboy parses while the bytes arrive). The part's stream
 * fails when the form ends before its closing boundary; that failure is the caller's (400), and it is listened for
 * from the moment the part appears: busboy may fail the stream before the reader is attached, and an 'error' event
 * nobody listens to ends the process.
 */
function receiveFile(req: Request): Promise<{ filename: string; stream: Readable }> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      // Browsers send a UTF-8 name raw in filename="…": read it as UTF-8 (busboy's default is Latin-1).
      parser = busboy({ headers: req.headers, defParamCharset: 'utf8', limits: { files: 1, fields: 20, fieldSize: 4096 } });
    } catch {
      reject(new DomainError('VALIDATION_FAILED', 'Expected a multipart/form-data body with a file', { field: 'file' }));
      return;
    }
    const malformed = (err: Error) => new DomainError('BAD_REQUEST', `Malformed multipart body: ${err.message}`);
    let got = false;
    parser.on('file', (_field, part, info) => {
      if (got) {
        part.on('error', () => undefined);
        part.resume();
        return;
      }
      got = true;
      const body = new PassThrough();
      // The failure may come before the reader attaches: it stays in body.errored, where the reader's pipeline finds
      // it, instead of being an 'error' event nobody hears.
      body.on('error', () => undefined);
      part.on('error', (err: Error) => body.destroy(malformed(err)));
      part.pipe(body);
      resolve({ filename: info.filename ?? 'file', stream: body });
    });
    parser.on('close', () => got || reject(new DomainError('VALIDATION_FAILED', 'The upload has no file part', { field: 'file' })));
    // Before the file part: the request fails here. After it: the part's stream carries the failure.
    parser.on('error', (err: Error) => reject(malformed(err)));
    req.pipe(parser);
  });
}

/**
 * Session files (seed 004): participants upload (multipart, streamed, plan-limited) and list with signed links;
 * the download route needs no token — the link's signature and expiry are the permission. Links are built on the
 * configured public URL, never on the request's Host header (which the caller chooses).
 */
export function fileRoutes(deps: Deps & files.FileDeps, jwtSecret: string, publicUrl: string): Router {
  const router = Router();

  route(router, 'post', '/sessions/:id/files', { summary: 'Share a file in a session (participants; streamed; the owner’s plan limit, default 10 MB)', tags: ['files'], params: sessionIdParam, bodyType: 'multipart', responses: { 201: { description: 'stored', schema: fileView } }, errors: ['NOT_FOUND', 'PAYLOAD_TOO_LARGE', 'BAD_REQUEST', 'UNAVAILABLE'], use: [requireAuth(jwtSecret)] }, async (req, res, { params }) => {
    const session = await accessibleSession(deps, principalOf(req), params.id);
    const maxBytes = await files.uploadLimitBytes(deps, session.userId);
    const declared = Number(req.header('content-length'));
    // A body that cannot fit is refused before reading it; the streamed check below catches the rest.
    if (Number.isFinite(declared) && declared > maxBytes + 64 * 1024) {
      res.setHeader('connection', 'close');
      throw files.tooLarge(maxBytes);
    }
    try {
      const upload = await receiveFile(req);
      const stored = await files.storeSessionFile(deps, { sessionId: session.id, uploadedBy: principalOf(req).sub, filename: upload.filename, body: upload.stream, maxBytes });
      res.status(201).json(files.fileBody(deps, stored, publicUrl));
    } catch (err) {
      // Stop parsing, drain the rest of the body (bounded by the limit plus the early check above), then answer:
      // a client still writing when the connection closes sees a reset instead of our 413.
      req.unpipe();
      if (!req.complete) {
        await new Promise<void>((done) => {
          req.once('end', done);
          req.once('close', done);
          req.resume();
        });
      }
      throw err;
    }
  });

  route(router, 'get', '/sessions/:id/files', { summary: 'A session’s files, each with a download link signed for 1 hour', tags: ['files'], params: sessionIdParam, responses: { 200: { description: 'files', schema: z.object({ session_id: z.string(), files: z.array(fileView) }) } }, errors: ['NOT_FOUND'], use: [requireAuth(jwtSecret)] }, async (req, res, { params }) => {
    const session = await accessibleSession(deps, principalOf(req), params.id);
    const list = await files.listSessionFiles(deps.pool, session.id);
    res.json({ session_id: session.id, files: list.map((f) => files.fileBody(deps, f, publicUrl)) });
  });

  route(router, 'get', '/files/:fileId/download', { summary: 'Download through a signed link (no token: the signature is the permission)', tags: ['files'], auth: 'signature', params: fileIdParam, query: downloadQuery, responses: { 200: { description: 'the bytes, with the content type sniffed at upload', contentType: '*/*' } }, errors: ['FORBIDDEN', 'NOT_FOUND'] }, async (req, res, { params: { fileId }, query: { expires, signature } }) => {
    let opened;
    try {
      opened = await files.openSignedDownload(deps, fileId, expires, signature);
    } catch (err) {
      if (err instanceof ObjectNotFound) throw new DomainError('NOT_FOUND', 'The file is gone from storage', { file_id: fileId });
      throw err;
    }
    res.setHeader('content-type', opened.file.contentType);
    res.setHeader('content-length', String(opened.file.sizeBytes));
    res.setHeader('content-disposition', attachmentDisposition(opened.file.filename));
    res.setHeader('cache-control', 'private, no-store');
    // pipeline, not pipe: a storage stream failing mid-download cuts this connection instead of going unheard.
    pipeline(opened.body, res).catch((err: unknown) => req.log?.warn({ err, file_id: fileId }, 'download interrupted'));
  });

  return router;
}
