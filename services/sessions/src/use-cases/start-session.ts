import { createHash, randomUUID } from 'node:crypto';
import { DomainError, isTransientFailure } from '@hourglass/errors';
import { enqueueEvent } from '@hourglass/kafka';
import type { Logger } from '@hourglass/logger';
import { withTransaction, type Pool } from '@hourglass/postgres';
import type { SessionType } from '@hourglass/workflows';
import { BillingUnreachable, CreditRefused, type BillingClient, type Consumption } from '../adapters/billing-client';
import {
  abandonStartingSession,
  answerStartRequest,
  deleteStartingSession,
  findStartingSession,
  forgetStartRequest,
  insertStartingSession,
  lockGate,
  rememberStartRequest,
  setAutoStartWish,
  staleStartingSessions,
  type StartingSession,
} from '../adapters/start-gate-repository';
import type { SessionWorkflowStarter } from '../adapters/temporal-gateway';
import { preferredKindFor, sessionStartOf, startedAnswer, startRefusal, type StartedAnswer } from '../domain/start-gate';
import { startLatency } from '../metrics';
import { activateSession } from './session-record';

// How a session starts (POST /api/sessions, or the user's auto-start wish):
//   1. decide, in one transaction under the user's gate row lock: Idempotency-Key, one live session, cooldown; the
//      decision is a `starting` row (a partial unique index allows one starting-or-active row per user);
//   2. take the credit from billing (idempotent per session id);
//   3. start the session's workflow (one Temporal call);
//   4. the row becomes `active`, with its events, in one transaction; the 201 is remembered for the key.
// A start that cannot finish is `abandoned` and billing gives the credit back (sessions.session.abandoned.v1, through
// the outbox: durable), or never takes it if its consumption is still on the way. The workflow's first step also
// activates the row — whichever comes first — and ends at once if the start was abandoned.

export interface StartDeps {
  pool: Pool;
  billing: Pick<BillingClient, 'consumeCredit'>;
  workflows: SessionWorkflowStarter;
  logger?: Pick<Logger, 'info' | 'warn' | 'error'>;
  /**
   * A start over HTTP that has not reached its workflow this long after it was decided is given up: its caller has
   * left or soon will, and a session's clock must not run for nobody.
   */
  startDeadlineMs?: number;
}

export interface StartRequest {
  userId: string;
  mode: string;
  sessionType?: SessionType;
  participantId?: string;
  idempotencyKey?: string;
}

const DEFAULT_START_DEADLINE_MS = 10_000;

const notStarted = (why: string) =>
  new DomainError('UNAVAILABLE', `The session could not be started (${why}); any credit taken for it is given back. Try again.`, { retry_after_seconds: 1 });

/** A start asked for over HTTP. `callerGone` tells whether the client has hung up (nothing starts for them then). */
export async function startSession(deps: StartDeps, req: StartRequest, { callerGone }: { callerGone?: () => boolean } = {}): Promise<StartedAnswer> {
  const timer = startLatency.startTimer();
  try {
    const answer = await decideAndStart(deps, req, callerGone);
    timer({ outcome: 'started' });
    return answer;
  } catch (err) {
    timer({ outcome: err instanceof DomainError ? err.code : 'error' });
    throw err;
  }
}

async function decideAndStart(deps: StartDeps, req: StartRequest, callerGone?: () => boolean): Promise<StartedAnswer> {
  // The same key sent again while its first request is being answered (a double click, a client's quick retry) waits
  // for that answer rather than being refused: both get the same session.
  const waitUntil = Date.now() + (deps.startDeadlineMs ?? DEFAULT_START_DEADLINE_MS);
  for (;;) {
    try {
      return await decideAndStartOnce(deps, req, callerGone);
    } catch (err) {
      if (!(err instanceof DomainError && err.code === 'REQUEST_IN_PROGRESS' && req.idempotencyKey) || Date.now() > waitUntil || callerGone?.()) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

async function decideAndStartOnce(deps: StartDeps, req: StartRequest, callerGone?: () => boolean): Promise<StartedAnswer> {
  const paramsHash = createHash('sha256').update(JSON.stringify([req.mode, req.sessionType ?? null, req.participantId ?? null])).digest('hex');
  const decision = await withTransaction(deps.pool, async (tx) => {
    const gate = await lockGate(tx, req.userId, req.idempotencyKey ?? null);
    if (gate.earlier) {
      if (gate.earlier.paramsHash !== paramsHash) {
        throw new DomainError('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was used for a start with other parameters', { session_id: gate.earlier.sessionId });
      }
      if (gate.earlier.answer) return { kind: 'replay' as const, answer: gate.earlier.answer as StartedAnswer };
      throw new DomainError('REQUEST_IN_PROGRESS', 'A start with this Idempotency-Key is under way; ask again in a moment', { retry_after_seconds: 1 });
    }
    const refusal = startRefusal(gate, Date.now());
    if (refusal) throw refusal;
    const starting: StartingSession = {
      sessionId: randomUUID(),
      userId: req.userId,
      participantId: req.participantId ?? null,
      mode: req.mode,
      preferredKind: req.sessionType ? preferredKindFor[req.sessionType] : null,
      origin: 'request',
      createdAt: new Date(),
    };
    await insertStartingSession(tx, starting);
    if (req.idempotencyKey) await rememberStartRequest(tx, req.userId, req.idempotencyKey, paramsHash, starting.sessionId);
    return { kind: 'begin' as const, starting };
  });
  if (decision.kind === 'replay') return decision.answer;
  return completeStart(deps, decision.starting, { callerGone });
}

/**
 * Steps 2–4 for a `starting` row: idempotent, so a start that stopped half-way (its process died) can be resumed —
 * which is done only for auto-starts; a person's start is given up instead (see sweepStaleStarts).
 */
export async function completeStart(deps: StartDeps, s: StartingSession, { callerGone }: { callerGone?: () => boolean } = {}): Promise<StartedAnswer> {
  const isRequest = s.origin === 'request';
  let credit: Consumption;
  try {
    credit = await deps.billing.consumeCredit({ userId: s.userId, sessionId: s.sessionId, ...(s.preferredKind ? { preferredKind: s.preferredKind } : {}) });
  } catch (err) {
    // Refused before anything was taken (no credit, a plan limit), or billing not reached at all: as if the start had
    // never been decided. (Any other failure may have taken the credit: the start is given up, and the credit back.)
    if ((err instanceof CreditRefused && err.code !== 'START_ABANDONED') || err instanceof BillingUnreachable) {
      await withTransaction(deps.pool, async (tx) => {
        await deleteStartingSession(tx, s.sessionId);
        await forgetStartRequest(tx, s.sessionId);
      });
      throw err;
    }
    if (!isRequest) throw err; // an auto-start is resumed later, not given up
    await abandonStart(deps, s.sessionId, err instanceof CreditRefused ? 'the start was given up meanwhile' : 'credits could not be checked');
    throw notStarted(err instanceof CreditRefused ? 'it took too long' : 'credits cannot be checked right now');
  }

  if (isRequest) {
    const late = Date.now() - s.createdAt.getTime() > (deps.startDeadlineMs ?? DEFAULT_START_DEADLINE_MS);
    if (late || callerGone?.()) {
      await abandonStart(deps, s.sessionId, late ? 'the start took too long' : 'the caller left before the session began');
      throw notStarted(late ? 'it took too long' : 'the request was cancelled');
    }
  }

  const start = sessionStartOf(s, credit, Date.now());
  try {
    await deps.workflows.startSessionWorkflow(start);
  } catch (err) {
    deps.logger?.error({ err, sessionId: s.sessionId }, 'the session workflow could not be started');
    if (!isRequest) throw err;
    await abandonStart(deps, s.sessionId, 'the session workflow could not be started');
    throw notStarted(isTransientFailure(err) ? 'the session timer service is unavailable' : 'the session timer could not be set');
  }

  const answer = startedAnswer(start);
  const activation = await withTransaction(deps.pool, async (tx) => {
    const a = await activateSession(tx, start);
    if (a === 'activated' || a === 'active') await answerStartRequest(tx, s.sessionId, answer);
    return a;
  });
  // Abandoned meanwhile (this start outlived the sweeper's patience): the workflow sees it too and ends at once.
  if (activation === 'abandoned' || activation === 'missing') throw notStarted('it took too long');
  return answer;
}

/** Gives a start up: the row is `abandoned` and billing is told (through the outbox) to give back or void its credit. */
export async function abandonStart(deps: Pick<StartDeps, 'pool' | 'logger'>, sessionId: string, reason: string): Promise<boolean> {
  return withTransaction(deps.pool, async (tx) => {
    const abandoned = await abandonStartingSession(tx, sessionId, reason);
    if (!abandoned) return false;
    await enqueueEvent(tx, 'sessions.session.abandoned.v1', { sessionId, userId: abandoned.userId, reason });
    await forgetStartRequest(tx, sessionId);
    deps.logger?.warn({ sessionId, reason }, 'session start abandoned');
    return true;
  });
}

export type AutoStartOutcome = 'started' | 'not-wanted' | 'not-now' | 'no-credit' | 'refused';

/**
 * The user's wish that their next session start by itself, tried now: when a cooldown ends, a credit arrives, or the
 * wish is made. Starts at most one session however many of these race (they queue on the gate row).
 */
export async function tryAutoStart(deps: StartDeps, userId: string): Promise<AutoStartOutcome> {
  const decision = await withTransaction(deps.pool, async (tx) => {
    const gate = await lockGate(tx, userId, null);
    if (!gate.autoStartMode) return 'not-wanted' as const;
    if (gate.liveSessionId) {
      // An auto-start that stopped half-way is finished here (every step is idempotent); any other live session waits.
      const { rows } = await tx.query<{ origin: string; status: string }>(`SELECT origin, status FROM sessions WHERE id = $1`, [gate.liveSessionId]);
      return rows[0]?.status === 'starting' && rows[0].origin === 'auto' ? { resume: gate.liveSessionId } : ('not-now' as const);
    }
    if (startRefusal(gate, Date.now())) return 'not-now' as const;
    const starting: StartingSession = { sessionId: randomUUID(), userId, participantId: null, mode: gate.autoStartMode, preferredKind: null, origin: 'auto', createdAt: new Date() };
    await insertStartingSession(tx, starting);
    return { starting };
  });
  if (typeof decision === 'string') return decision;
  const starting = 'starting' in decision ? decision.starting : await findStartingSession(deps.pool, decision.resume);
  return starting ? finishAutoStart(deps, starting) : 'not-now';
}

async function finishAutoStart(deps: StartDeps, starting: StartingSession): Promise<AutoStartOutcome> {
  try {
    await completeStart(deps, starting);
    return 'started';
  } catch (err) {
    if (!(err instanceof CreditRefused)) throw err;
    if (err.code === 'NO_CREDITS') return 'no-credit'; // the wish waits for a credit
    await setAutoStartWish(deps.pool, starting.userId, null); // a plan limit ends the wish
    return 'refused';
  }
}

/**
 * Starts that stopped half-way (their process died between deciding and activating): a person's start is given up
 * (its caller is long gone; the credit goes back), an auto-start is finished. Safe on every replica at once.
 */
export async function sweepStaleStarts(deps: StartDeps, olderThanMs: number): Promise<{ abandoned: number; resumed: number }> {
  const stale = await staleStartingSessions(deps.pool, olderThanMs, 100);
  let abandoned = 0;
  let resumed = 0;
  for (const s of stale) {
    try {
      if (s.origin === 'request') {
        if (await abandonStart(deps, s.sessionId, 'the start did not finish (its process stopped)')) abandoned++;
      } else {
        await finishAutoStart(deps, s);
        resumed++;
      }
    } catch (err) {
      deps.logger?.warn({ err, sessionId: s.sessionId }, 'a stale start could not be settled yet');
    }
  }
  return { abandoned, resumed };
}
