import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { api, eventually, stack, tokenFor, uniqueId } from '@hourglass/testing';
import { consumeUntil } from './kafka-probe';

// One trace id from the HTTP request through billing's API (the credit), Temporal (the session workflow and its steps)
// into the Kafka headers of the events they publish, and into every process's log lines.

const logDir = () => {
  const dir = process.env.HOURGLASS_LOG_DIR;
  if (!dir) throw new Error('HOURGLASS_LOG_DIR is not set: run the tests with `npm test`');
  return dir;
};
const logLinesWith = (process: string, traceId: string) =>
  readFileSync(path.join(logDir(), `${process}.log`), 'utf8')
    .split('\n')
    .filter((line) => line.includes(`"trace_id":"${traceId}"`));

test("a start request's x-request-id is the trace id of its workflows, activities, events and logs", async () => {
  const userId = uniqueId('trace');
  const token = await tokenFor(userId);
  const traceId = `trace-${randomUUID()}`;

  const created = await api(stack.sessionsUrl, '/api/sessions', { method: 'POST', token, body: { mode: 'intake' }, headers: { 'x-request-id': traceId } });
  expect(created.status).toBe(201);
  expect(created.headers.get('x-request-id')).toBe(traceId);
  const sessionId: string = created.body.session.id;

  // Billing (asked over HTTP by the sessions API, with the trace id as x-request-id) published the consumption in it…
  const consumed = await consumeUntil('billing.credit.consumed.v1', (e) => e.message?.sessionId === sessionId);
  expect(consumed.headers['trace-id']).toBe(traceId);
  // …and the sessions API the start.
  const started = await consumeUntil('sessions.session.started.v1', (e) => e.key === sessionId);
  expect(started.headers['trace-id']).toBe(traceId);

  // The log lines of each hop carry it: the APIs' requests, the session workflow's first step, the notifications consumer.
  await eventually(
    () =>
      logLinesWith('sessions', traceId).length > 0 &&
      logLinesWith('billing', traceId).length > 0 &&
      logLinesWith('sessions-worker', traceId).length > 0 &&
      logLinesWith('notifications', traceId).length > 0,
    { what: 'log lines with the trace id in sessions, billing, sessions-worker and notifications' },
  );

  // A later request on the same session is a trace of its own.
  const endTrace = `trace-${randomUUID()}`;
  const ended = await api(stack.sessionsUrl, `/api/sessions/${sessionId}/end`, { method: 'POST', token, headers: { 'x-request-id': endTrace } });
  expect(ended.status).toBe(200);
  const endedEvent = await consumeUntil('sessions.session.ended.v1', (e) => e.key === sessionId);
  expect(endedEvent.headers['trace-id']).toBe(endTrace);
});
