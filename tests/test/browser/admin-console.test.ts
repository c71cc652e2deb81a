import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { api, eventually, stack, tokenFor, uniqueId } from '@hourglass/testing';

// Issue 9: an operator fixes a user's situation from the console, without SQL, and follows the session into the
// Temporal Web UI. Headless Debian chromium; screenshots are kept in test-artifacts/browser/.
jest.setTimeout(120_000);

let browser: Browser;
const shots = () => {
  const dir = path.join(stack.artifactsDir, 'browser');
  mkdirSync(dir, { recursive: true });
  return dir;
};
beforeAll(async () => {
  browser = await chromium.launch({
    executablePath: stack.chromium,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});
afterAll(() => browser?.close());

test('admin logs in, finds a user, grants a credit, ends their session and opens its workflow in the Temporal UI', async () => {
  const userId = uniqueId('support');
  const userToken = await tokenFor(userId);
  const started = await api(stack.sessionsUrl, '/api/sessions', { method: 'POST', token: userToken, body: { mode: 'chat' } });
  expect(started.status).toBe(201);
  const sessionId: string = started.body.session.id;

  const page = await (await browser.newContext({ viewport: { width: 1280, height: 1200 } })).newPage();
  page.on('dialog', (d) => void d.accept('customer asked on the phone'));
  await page.goto(`${stack.sessionsUrl}/console/`);

  // A user token is not enough.
  await page.getByTestId('token').fill(userToken);
  await page.getByTestId('login-submit').click();
  await page.getByTestId('login-error').filter({ hasText: 'not an admin token' }).waitFor();

  await page.getByTestId('token').fill(await tokenFor('ops-ana', 'admin'));
  await page.getByTestId('login-submit').click();
  await page.getByTestId('who').filter({ hasText: 'ops-ana' }).waitFor();
  await page.getByTestId('user-id').fill(userId);
  await page.getByTestId('find').click();
  await page.getByTestId(`session-${sessionId}`).waitFor();

  // Grant one paid credit: billing shows it at once, and the ledger names the admin.
  await page.getByTestId('grant-reason').fill('goodwill after an outage');
  await page.getByTestId('grant').click();
  await page.getByTestId('message').filter({ hasText: 'Grant: done' }).waitFor();
  const credits = await api(stack.billingUrl, '/api/users/credits', { token: userToken });
  expect(credits.body.paid_remaining).toBe(1);
  await page.getByTestId('ledger').getByText('goodwill after an outage').waitFor();

  // End the active session (the reason goes to the audit trail).
  await page.getByTestId(`end-${sessionId}`).click();
  await page.locator(`[data-testid="session-${sessionId}"][data-status="ended"]`).waitFor();
  expect((await api(stack.sessionsUrl, `/api/sessions/${sessionId}`, { token: userToken })).body.status).toBe('ended');
  const audit = await api(stack.sessionsUrl, `/admin/audit?target_type=session&target_id=${sessionId}`, { token: await tokenFor('ops-ana', 'admin') });
  expect(audit.body.items).toEqual([expect.objectContaining({ admin_id: 'ops-ana', action: 'session.end', reason: 'customer asked on the phone' })]);
  await page.screenshot({ path: path.join(shots(), 'admin-console-user.png'), fullPage: true });

  // The session's workflow in the Temporal Web UI.
  const link = page.getByTestId(`workflow-link-session/${sessionId}`);
  const href = await link.getAttribute('href');
  expect(href).toContain(encodeURIComponent(`session/${sessionId}`));
  const temporal = await page.context().newPage();
  await temporal.goto(href!);
  await eventually(async () => (await temporal.content()).includes(sessionId), { what: 'the Temporal UI to show the workflow', timeoutMs: 60_000, intervalMs: 500 });
  // (still Running after the end: the session's workflow holds the user's cooldown)
  await temporal.getByText('timedSessionWorkflow').first().waitFor({ timeout: 30_000 });
  await temporal.screenshot({ path: path.join(shots(), 'temporal-ui-session-workflow.png') });
});
