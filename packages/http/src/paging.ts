import { z } from 'zod';
import { DomainError } from '@hourglass/errors';

/**
 * Keyset paging for lists ordered newest first by (timestamp, id): the cursor is the last row's timestamp — as
 * PostgreSQL's own text, so no precision is lost — and id, opaque to clients (base64url). A page never skips or
 * repeats a row however many rows arrive meanwhile.
 */
export interface Cursor {
  at: string;
  id: string;
}

export const cursorQuery = z.string().min(1).max(300).optional().describe('next_cursor of the previous page');

export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify([c.at, c.id])).toString('base64url');
}

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d{1,6})?([+-]\d{2}(:?\d{2})?|Z)$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function decodeCursor(cursor: string | undefined): Cursor | null {
  if (!cursor) return null;
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    if (typeof at === 'string' && TIMESTAMP.test(at) && typeof id === 'string' && UUID.test(id)) return { at, id };
  } catch {
    /* refused below */
  }
  throw new DomainError('VALIDATION_FAILED', 'cursor is not one this API gave out', { cursor });
}

/** Rows fetched with LIMIT limit + 1: the page, and the cursor of the next one when there is more. */
export function pageOf<T extends { cursor_at: string; id: string }>(rows: T[], limit: number): { items: Array<Omit<T, 'cursor_at'>>; next_cursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    items: page.map(({ cursor_at: _c, ...rest }) => rest),
    next_cursor: rows.length > limit && last ? encodeCursor({ at: last.cursor_at, id: last.id }) : null,
  };
}
