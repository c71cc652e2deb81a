import { counter, histogram } from '@hourglass/http';

// What the sessions processes count. Read-model writes happen in the worker (activities), starts in the API.
// Incremented after commit only (afterCommit), so a retried activity is never counted twice.
export const sessionsStarted = counter({ name: 'hourglass_sessions_started_total', help: 'Sessions started, by session type', labelNames: ['session_type'] });
export const sessionsFinished = counter({ name: 'hourglass_sessions_finished_total', help: 'Sessions finished, by session type and how (ended, expired)', labelNames: ['session_type', 'status'] });
export const sessionsExtended = counter({ name: 'hourglass_session_extensions_total', help: 'Paid extensions, by outcome (applied, already_applied, rejected)', labelNames: ['outcome'] });
export const startLatency = histogram({
  name: 'hourglass_session_start_duration_seconds',
  help: 'POST /api/sessions: gate update-with-start → credit → session workflow started, by outcome',
  labelNames: ['outcome'],
  buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15],
});
