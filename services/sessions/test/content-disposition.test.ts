import { attachmentDisposition } from '../src/domain/content-disposition';
import { cleanFilename } from '../src/use-cases/files';

describe('Content-Disposition of a download (RFC 6266 / 8187)', () => {
  // Node refuses a header value with characters past Latin-1: what made every download of such a file a 500.
  const fitsInAHeader = (value: string) => /^[\x20-\x7e]*$/.test(value);

  it.each([
    ['notes.txt', 'notes.txt', 'notes.txt'],
    ['üé.txt', 'ue.txt', '%C3%BC%C3%A9.txt'],
    ['🙂.txt', '_.txt', '%F0%9F%99%82.txt'],
    ['résumé (final)*.pdf', 'resume (final)*.pdf', 'r%C3%A9sum%C3%A9%20%28final%29%2A.pdf'],
    ["it's 100%.txt", "it's 100_.txt", 'it%27s%20100%25.txt'],
    ['файл.txt', '____.txt', '%D1%84%D0%B0%D0%B9%D0%BB.txt'],
  ])('%s → ASCII fallback and the UTF-8 name', (name, fallback, extended) => {
    const header = attachmentDisposition(name);
    expect(header).toBe(`attachment; filename="${fallback}"; filename*=UTF-8''${extended}`);
    expect(fitsInAHeader(header)).toBe(true);
    expect(decodeURIComponent(extended)).toBe(name);
  });

  it('never throws, whatever the stored name holds (a lone UTF-16 half, a backslash, a quote)', () => {
    for (const name of ['a\ud800b.txt', 'back\\slash.txt', 'say "hi".txt', '']) {
      const header = attachmentDisposition(name);
      expect(fitsInAHeader(header)).toBe(true);
      expect(header).not.toMatch(/filename="[^"]*["\\][^"]*";/);
    }
  });

  it('a stored name keeps its letters but loses paths, control characters and bidirectional overrides', () => {
    expect(cleanFilename('../../etc/üé.txt')).toBe('üé.txt');
    expect(cleanFilename('invoice\u202Etxt.exe')).toBe('invoicetxt.exe');
    expect(cleanFilename('a\u0000b\u0007c.txt')).toBe('abc.txt');
    expect(cleanFilename('"quoted".txt')).toBe('quoted.txt');
  });
});
