import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { api, eventually, stack, tokenFor, uniqueId } from '@hourglass/testing';
import { checkoutCompleted, sendStripe } from '../webhooks';

// Issue 8 / seed 004 in a real browser (Debian chromium, headless): two people on one session see the same timer,
// an extension paid by one moves the other's, files appear for both, and ending on one side tells the other.
jest.setTimeout(120_000);

let browser: Browser;
beforeAll(async () => {
  browser = await chromium.launch({
    executablePath: stack.chromium,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});
afterAll(() => browser?.close());

async function openDemo(sessionId: string, token: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 900, height: 1100 } });
  const page = await context.newPage();
  await page.goto(`${stack.sessionsUrl}/demo/sessions/${sessionId}#token=${token}`);
  await page.getByTestId('status').filter({ hasText: 'active' }).waitFor();
  return page;
}

/** Seconds left on the page's countdown (mm:ss). */
async function secondsLeft(page: Page): Promise<number> {
  const [m, s] = (await page.getByTestId('countdown').innerText()).split(':').map(Number);
  return m! * 60 + s!;
}

test('two pages on one session: extend on one → the other timer jumps; end on one → the other is told and redirected', async () => {
  const customer = uniqueId('cust');
  const provider = uniqueId('prov');
  const customerToken = await tokenFor(customer);
  const res = await api(stack.sessionsUrl, '/api/sessions', { method: 'POST', token: customerToken, body: { mode: 'live', participant_id: provider } });
  expect(res.status).toBe(201);
  const session = res.body.session;

  const customerPage = await openDemo(session.id, customerToken);
  const providerPage = await openDemo(session.id, await tokenFor(provider));
  await eventually(async () => (await providerPage.getByTestId('countdown').innerText()) !== '--:--', { what: 'the countdown' });
  const before = await secondsLeft(providerPage);
  expect(before).toBeGreaterThan(4 * 60);
  expect(before).toBeLessThanOrEqual(5 * 60);

  // Extend: the customer opens a checkout; Stripe confirms the payment (signed webhook); both timers jump by 15 min.
  await customerPage.getByTestId('extend').click();
  await customerPage.getByTestId('action-message').filter({ hasText: /Checkout cs_/ }).waitFor();
  await sendStripe(checkoutCompleted({ user_id: customer, kind: 'extension', session_id: session.id, minutes: '15' }));
  const newDeadline = new Date(Date.parse(session.expires_at) + 15 * 60_000).toISOString().slice(11, 19);
  for (const page of [providerPage, customerPage]) await page.getByTestId('expires-at').filter({ hasText: newDeadline }).waitFor();
  await eventually(async () => (await secondsLeft(providerPage)) > 19 * 60, { what: "the provider's timer to jump" });

  // Files: the customer uploads, the provider's list shows it without a reload.
  await customerPage.getByTestId('file-input').setInputFiles({ name: 'agenda.txt', mimeType: 'text/plain', buffer: Buffer.from('1. goals\n2. plan\n') });
  await customerPage.getByTestId('upload').click();
  await providerPage.getByTestId('files').getByText('agenda.txt').waitFor();

  // The event stream cannot connect → the banner shows; once it can, the stream resumes and the banner goes.
  const banner = providerPage.getByTestId('reconnect-banner');
  await providerPage.route('**/events?*', (route) => route.abort('connectionreset'));
  await providerPage.reload();
  await banner.waitFor({ state: 'visible' });
  await providerPage.unroute('**/events?*');
  await banner.waitFor({ state: 'hidden' });
  await providerPage.getByTestId('files').getByText('agenda.txt').waitFor();

  const shots = path.join(stack.artifactsDir, 'browser');
  mkdirSync(shots, { recursive: true });
  await providerPage.screenshot({ path: path.join(shots, 'demo-session-provider.png'), fullPage: true });

  // The provider ends it: the customer's page says so and moves to the summary.
  await providerPage.getByTestId('end').click();
  await customerPage.getByTestId('action-message').filter({ hasText: 'ended by the other participant' }).waitFor();
  await customerPage.waitForURL(/\/summary$/);
  await customerPage.getByTestId('summary').filter({ hasText: 'was ended' }).waitFor();
  await customerPage.screenshot({ path: path.join(shots, 'demo-session-summary.png') });
});

test('the demo page takes its token from the fragment only, drops it from the address bar, and keeps a crafted id one path segment', async () => {
  const customer = uniqueId('cust');
  const token = await tokenFor(customer);
  const res = await api(stack.sessionsUrl, '/api/sessions', { method: 'POST', token, body: { mode: 'live' } });
  expect(res.status).toBe(201);

  // ?token= (which every proxy logs) is not read.
  const queryPage = await (await browser.newContext()).newPage();
  await queryPage.goto(`${stack.sessionsUrl}/demo/sessions/${res.body.session.id}?token=${token}`);
  await queryPage.locator('#me').filter({ hasText: 'anonymous' }).waitFor();

  // #token= is read, and leaves the address bar once read.
  const page = await openDemo(res.body.session.id, token);
  expect(page.url()).not.toContain('token=');

  // An id that decodes to a path (../../admin/audit) goes out as one encoded segment, never as /admin/audit.
  const crafted = await (await browser.newContext()).newPage();
  const paths: string[] = [];
  crafted.on('request', (r) => paths.push(new URL(r.url()).pathname));
  await crafted.goto(`${stack.sessionsUrl}/demo/sessions/..%2F..%2Fadmin%2Faudit#token=${await tokenFor('ops-demo', 'admin')}`);
  await eventually(() => paths.some((p) => p.startsWith('/api/sessions/')), { what: 'the page to call the API' });
  expect(paths.filter((p) => p.startsWith('/admin'))).toEqual([]);
  expect(paths).toContain('/api/sessions/..%2F..%2Fadmin%2Faudit');
});
