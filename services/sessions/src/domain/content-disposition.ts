/**
 * `Content-Disposition: attachment` for a stored file's name, per RFC 6266: `filename*=UTF-8''…` (RFC 8187
 * percent-encoding) carries the real name, and a plain-ASCII `filename="…"` is there for the few clients that do not
 * read the extended form. A header value may hold only Latin-1 bytes, so a name such as `🙂.txt` must never go into
 * it raw (Node refuses the header: every download of the file failed).
 */
export function attachmentDisposition(filename: string): string {
  const name = filename.replace(LONE_SURROGATE, '\uFFFD');
  return `attachment; filename="${asciiFallback(name)}"; filename*=UTF-8''${extendedValue(name)}`;
}

// A UTF-16 half without its other half cannot be percent-encoded (encodeURIComponent throws on it).
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** The name in printable ASCII: accents dropped where they come off (é → e), anything else `_`, no quote or backslash. */
function asciiFallback(name: string): string {
  const ascii = name
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/[^\x20-\x7e]/gu, '_')
    .replace(/["\\%]/g, '_')
    .trim();
  return ascii || 'file';
}

/** RFC 8187 value-chars: attr-char as is, everything else as %XX of its UTF-8 bytes. */
function extendedValue(name: string): string {
  return encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
