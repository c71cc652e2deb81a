import { clientKey, identifier, label, text } from '../src';

const ok = (schema: { safeParse: (v: unknown) => { success: boolean } }, v: unknown) => schema.safeParse(v).success;

describe('edge string rules', () => {
  it('text: capped, printable, well-formed; line breaks only when multiline', () => {
    expect(ok(text(10), 'Grüße 🙂')).toBe(true);
    for (const bad of ['', 'a\u0000b', 'a\u0007b', 'a\u007fb', 'x'.repeat(11), 'a\ud800b', 'a\udc00b', 'line\nbreak']) expect(ok(text(10), bad)).toBe(false);
    expect(ok(text(20, { multiline: true }), 'two\nlines\tand tab')).toBe(true);
    expect(ok(text(20, { multiline: true }), 'nul\u0000')).toBe(false);
  });

  it('label, identifier and client keys: their charset and cap', () => {
    expect(ok(label(8), 'intake')).toBe(true);
    expect(ok(label(8), 'ninechars')).toBe(false);
    expect(ok(label(8), ' lead')).toBe(false);
    expect(ok(label(8), 'a\u0000')).toBe(false);
    expect(ok(identifier(64), '9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d')).toBe(true);
    for (const bad of ['', 'a/b', 'a b', 'a\u0000', 'ü', 'x'.repeat(65)]) expect(ok(identifier(64), bad)).toBe(false);
    expect(ok(clientKey(255), 'retry 1 of order:42')).toBe(true);
    for (const bad of ['', ' leading', 'ü', 'a\u0000', 'k'.repeat(256)]) expect(ok(clientKey(255), bad)).toBe(false);
  });
});
