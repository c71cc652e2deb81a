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
