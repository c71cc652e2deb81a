import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { api, eventually, stack } from '@hourglass/testing';
import { person } from './live';

// Issue 7 through the running stack: a person who wants sessions news by email gets "Your session has started"
// from the notifications service, over real SMTP (the stack's dev mail sink), exactly once.
jest.setTimeout(60_000);

test('session started → one email to the address in the preferences', async () => {
  const user = await person('mail');
  const email = `${user.id}@example.test`;
  const prefs = await api(stack.notificationsUrl, '/api/users/me/notification-preferences', { method: 'PUT', token: user.token, body: { email, channels: { sessions: ['email'] } } });
  expect(prefs.status).toBe(200);
  const started = await api(stack.sessionsUrl, '/api/sessions', { method: 'POST', token: user.token, body: { mode: 'chat' } });
  expect(started.status).toBe(201);
  const mine = () => readdirSync(stack.mailDir).filter((f) => f.includes(email));
  const [file] = await eventually(() => (mine().length ? mine() : undefined), { what: 'the email to arrive' });
  const message = readFileSync(path.join(stack.mailDir, file!), 'utf8');
  expect(message).toMatch(/^Subject: Your session has started/m);
  expect(message).toContain(`To: ${email}`);
  await new Promise((r) => setTimeout(r, 1500)); // a second copy would have arrived by now
  expect(mine()).toHaveLength(1);
});
