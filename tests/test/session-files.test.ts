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
