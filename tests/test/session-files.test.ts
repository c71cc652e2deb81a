import { request } from 'node:http';
import { api, stack } from '@hourglass/testing';
import { admin } from './admin';
import { liveSession as sharedLiveSession, person } from './live';
import { openStream } from './sse';

// Issue 8 / seed 004: files travel with the session — participants only, plan-limited, signed download links.
jest.setTimeout(90_000);

const MIB = 1024 * 1024;
const liveSession = async () => {
  const { customer, provider, session } = await sharedLiveSession();
  return { customer, provider, sessionId: session.id };
};
let ops: Awaited<ReturnType<typeof admin>>;
beforeAll(async () => {
  ops = await admin();
  await ops.plan('e2e-files-small', { max_upload_mb: 1 });
});


async function upload(sessionId: string, token: string, bytes: Buffer, filename = 'notes.txt') {
  const form = new FormData();
  form.append('file', new Blob([bytes]), filename);
  const res = await fetch(new URL(`/api/sessions/${sessionId}/files`, stack.sessionsUrl), { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
  return { status: res.status, body: (await res.json()) as any };
}

test('upload → the other participant lists it after a reload → the signed link downloads the same bytes', async () => {
  const { customer, provider, sessionId } = await liveSession();
  const stream = await openStream(sessionId, provider.token);
  const content = Buffer.from('Homework for next time:\n1. read chapter 3\n');
  const up = await upload(sessionId, customer.token, content, 'homework.txt');
  expect(up.status).toBe(201);
  expect(up.body).toMatchObject({ filename: 'homework.txt', content_type: 'text/plain; charset=utf-8', size_bytes: content.length, uploaded_by: customer.id });

  const list = await api(stack.sessionsUrl, `/api/sessions/${sessionId}/files`, { token: provider.token });
  expect(list.status).toBe(200);
  expect(list.body.files).toHaveLength(1);
  const [file] = list.body.files;
  expect(Date.parse(file.download_url_expires_at) - Date.now()).toBeGreaterThan(59 * 60_000);
  const download = await fetch(file.download_url);
  expect(download.status).toBe(200);
  expect(download.headers.get('content-disposition')).toContain('homework.txt');
  expect(Buffer.from(await download.arrayBuffer()).equals(content)).toBe(true);

  const [, added] = await stream.waitFor(2);
  await stream.close();
  expect(added).toMatchObject({ event: 'file:added', data: { file_id: file.id, filename: 'homework.txt' } });
});

test('a tampered link → 403; someone outside the session → 404 on upload and list', async () => {
  const { customer, sessionId } = await liveSession();
  const up = await upload(sessionId, customer.token, Buffer.from('secret'));
  const tampered = new URL(up.body.download_url);
  tampered.searchParams.set('expires', String(Number(tampered.searchParams.get('expires')) + 3600));
  const res = await fetch(tampered);
  expect(res.status).toBe(403);
  expect(await res.json()).toMatchObject({ error: 'FORBIDDEN', reason: 'bad_signature' });

  const stranger = await person('x');
  expect((await upload(sessionId, stranger.token, Buffer.from('x'))).status).toBe(404);
  expect((await api(stack.sessionsUrl, `/api/sessions/${sessionId}/files`, { token: stranger.token })).status).toBe(404);
});

test('10 MB + 1 byte → 413 with the limit; exactly 10 MB is accepted', async () => {
  const { customer, sessionId } = await liveSession();
  const over = await upload(sessionId, customer.token, Buffer.alloc(10 * MIB + 1, 1), 'big.bin');
  expect(over).toMatchObject({ status: 413, body: { error: 'PAYLOAD_TOO_LARGE', max_bytes: 10 * MIB, max_upload_mb: 10 } });
  const exact = await upload(sessionId, customer.token, Buffer.alloc(10 * MIB, 1), 'exact.bin');
  expect(exact).toMatchObject({ status: 201, body: { size_bytes: 10 * MIB, content_type: 'application/octet-stream' } });
  const list = await api(stack.sessionsUrl, `/api/sessions/${sessionId}/files`, { token: customer.token });
  expect(list.body.files.map((f: { filename: string }) => f.filename)).toEqual(['exact.bin']);
});

test("the limit follows the session owner's plan", async () => {
  const { customer, sessionId } = await liveSession();
  await ops.assignPlan(customer.id, 'e2e-files-small');
  expect(await upload(sessionId, customer.token, Buffer.alloc(MIB + 1, 1))).toMatchObject({ status: 413, body: { max_upload_mb: 1 } });
  expect((await upload(sessionId, customer.token, Buffer.alloc(MIB, 1))).status).toBe(201);
});

test('an upload without a file part is a 422', async () => {
  const { customer, sessionId } = await liveSession();
  const form = new FormData();
  form.append('note', 'no file here');
  const res = await fetch(new URL(`/api/sessions/${sessionId}/files`, stack.sessionsUrl), { method: 'POST', headers: { authorization: `Bearer ${customer.token}` }, body: form });
  expect(res.status).toBe(422);
  const json = await api(stack.sessionsUrl, `/api/sessions/${sessionId}/files`, { method: 'POST', token: customer.token, body: { file: 'x' } });
  expect(json.status).toBe(422);
});

/** When this sessions API process started (a crash and restart would change it). */
async function processStart(): Promise<string> {
  const text = await (await fetch(new URL('/metrics', stack.sessionsUrl))).text();
  return /^process_start_time_seconds(?:\{[^}]*\})? (\S+)$/m.exec(text)![1]!;
}

test('a form cut short before its closing boundary is a 400, and the API process serves on (it used to exit)', async () => {
  const { customer, sessionId } = await liveSession();
  const startedAt = await processStart();
  const cutShort = '--X\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\nabc';
  for (let i = 0; i < 3; i++) {
    const res = await fetch(new URL(`/api/sessions/${sessionId}/files`, stack.sessionsUrl), { method: 'POST', headers: { authorization: `Bearer ${customer.token}`, 'content-type': 'multipart/form-data; boundary=X' }, body: cutShort });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'BAD_REQUEST' });
  }
  // Cut inside the part's headers, and a part that never ends its headers: refused the same way.
  const headless = await fetch(new URL(`/api/sessions/${sessionId}/files`, stack.sessionsUrl), { method: 'POST', headers: { authorization: `Bearer ${customer.token}`, 'content-type': 'multipart/form-data; boundary=X' }, body: '--X\r\nContent-Disposition: form-da' });
  expect(headless.status).toBe(400);
  expect(await processStart()).toBe(startedAt);
  expect((await api(stack.sessionsUrl, `/api/sessions/${sessionId}/files`, { token: customer.token })).body.files).toEqual([]);
});

test('non-ASCII names: a browser’s raw UTF-8 name is stored as sent, an RFC 5987 name too, and both download with an encoded Content-Disposition', async () => {
  const { customer, sessionId } = await liveSession();
  const browser = await upload(sessionId, customer.token, Buffer.from('umlauts'), 'üé.txt');
  expect(browser).toMatchObject({ status: 201, body: { filename: 'üé.txt' } });

  const raw = `--X\r\nContent-Disposition: form-data; name="file"; filename*=UTF-8''%F0%9F%99%82.txt\r\nContent-Type: text/plain\r\n\r\nsmile\r\n--X--\r\n`;
  const res = await fetch(new URL(`/api/sessions/${sessionId}/files`, stack.sessionsUrl), { method: 'POST', headers: { authorization: `Bearer ${customer.token}`, 'content-type': 'multipart/form-data; boundary=X' }, body: raw });
  expect(res.status).toBe(201);
  const emoji = (await res.json()) as { filename: string; download_url: string };
  expect(emoji.filename).toBe('🙂.txt');

  for (const [file, fallback, extended] of [[browser.body, 'ue.txt', '%C3%BC%C3%A9.txt'], [emoji, '_.txt', '%F0%9F%99%82.txt']] as const) {
    const download = await fetch(file.download_url);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-disposition')).toBe(`attachment; filename="${fallback}"; filename*=UTF-8''${extended}`);
  }
});

test('download links are built on the configured public URL, not on the Host header the caller sent', async () => {
  const { customer, sessionId } = await liveSession();
  await upload(sessionId, customer.token, Buffer.from('x'), 'x.txt');
  const target = new URL(`/api/sessions/${sessionId}/files`, stack.sessionsUrl);
  const body = await new Promise<string>((resolve, reject) => {
    const req = request(target, { headers: { host: 'evil.example', authorization: `Bearer ${customer.token}` } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve(text));
    });
    req.on('error', reject);
    req.end();
  });
  const [file] = (JSON.parse(body) as { files: Array<{ download_url: string }> }).files;
  expect(file!.download_url.startsWith(`${stack.sessionsUrl}/api/files/`)).toBe(true);
  expect(body).not.toContain('evil.example');
});
