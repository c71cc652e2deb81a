import { z } from 'zod';

/**
 * The strings a client controls, checked at the edge before anything is taken or stored: each kind has a length cap
 * and a charset, and none admits a NUL (PostgreSQL cannot store it: an activity retrying that insert kept a user's
 * start waiting for ever), a control character or an unpaired UTF-16 half. Subjects (user ids) have their own rule
 * in @hourglass/auth (`subjectId`), the same in every service.
 */

// One half of a UTF-16 surrogate pair without the other: not a character; it would be stored as U+FFFD.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const wellFormed = (s: string) => !LONE_SURROGATE.test(s);

/**
 * Text a person wrote — a reason, a plan's name, a reference: 1 to `max` characters, no control characters (with
 * `multiline`, tab and line breaks are allowed), no unpaired UTF-16 half.
 */
export function text(max: number, { multiline = false }: { multiline?: boolean } = {}) {
  // eslint-disable-next-line no-control-regex
  const printable = multiline ? /^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]+$/ : /^[^\u0000-\u001F\u007F]+$/;
  return z
    .string()
    .min(1)
    .max(max)
    .regex(printable, multiline ? 'no control characters but tab and line breaks' : 'no control characters')
    .refine(wellFormed, 'not well-formed Unicode (an unpaired surrogate)');
}

/** A short name a client picks (a session's mode, a template): letters, digits and ` _ . : -`, starting with a letter or digit. */
export function label(max = 64) {
  return z.string().regex(new RegExp(`^[A-Za-z0-9][A-Za-z0-9 _.:-]{0,${max - 1}}$`), `1–${max} letters, digits and space _ . : -, starting with a letter or digit`);
}

/** An id the client passes back (a session, pack, file or scheduled session id): letters, digits and `_ . : -`. */
export function identifier(max = 128) {
  return z.string().regex(new RegExp(`^[A-Za-z0-9][A-Za-z0-9_.:-]{0,${max - 1}}$`), `an id of 1–${max} letters, digits and _ . : -`);
}

/** A key the client makes up (an Idempotency-Key): printable ASCII, at most `max` characters. */
export function clientKey(max = 255) {
  return z.string().regex(new RegExp(`^[\\x21-\\x7e][\\x20-\\x7e]{0,${max - 1}}$`), `1–${max} printable ASCII characters`);
}

const DAY_MS = 86_400_000;

/**
 * An RFC 3339 date-time (with offset) inside a window around now — `notBeforeMs` before it (0: not in the past) to
 * `notAfterMs` after it. A date of 1970 or 9999 is a mistake or a probe, not a plan: 422, before it reaches a timer.
 */
export function dateTimeWithin({ notBeforeMs, notAfterMs, what }: { notBeforeMs: number; notAfterMs: number; what: string }) {
  const span = (ms: number) => (ms < DAY_MS ? `${Math.round(ms / 60_000)} minutes` : `${Math.round(ms / DAY_MS)} days`);
  const window = notBeforeMs === 0 ? `from now to ${span(notAfterMs)} ahead` : `from ${span(notBeforeMs)} ago to ${span(notAfterMs)} ahead`;
  return z.iso
    .datetime({ offset: true })
    .refine((v) => {
      const at = Date.parse(v);
      const now = Date.now();
      return Number.isFinite(at) && at >= now - notBeforeMs && at <= now + notAfterMs;
    }, `${what} must be ${window}`)
    .describe(`${what}: ISO 8601 with offset, ${window}`);
}

export const days = (n: number) => n * DAY_MS;
