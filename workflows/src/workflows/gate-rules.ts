// Pure rules of the user gate, shared by the workflow and the API (no Temporal imports: safe everywhere).

export const gateRules = {
  /** Cooldown starts when the session ends, not when it was scheduled to. */
  cooldownUntil(endedAtIso: string, cooldownMinutes: number): string {
    return new Date(Date.parse(endedAtIso) + cooldownMinutes * 60_000).toISOString();
  },
  cooldownRemainingMs(cooldownUntil: string | null, nowMs: number): number {
    return cooldownUntil ? Math.max(0, Date.parse(cooldownUntil) - nowMs) : 0;
  },
  retryAfterSeconds(cooldownUntil: string | null, nowMs: number): number {
    return Math.ceil(gateRules.cooldownRemainingMs(cooldownUntil, nowMs) / 1000);
  },
  /** Seconds of a session actually used: from start to the earlier of the end and the deadline. */
  durationUsedSeconds(startedAt: string, endedAtMs: number, expiresAt: string): number {
    const end = Math.min(endedAtMs, Date.parse(expiresAt));
    return Math.max(0, Math.round((end - Date.parse(startedAt)) / 1000));
  },
  /**
   * How long an interactive start request stays worth starting. A billing or worker outage can hold a start for
   * minutes (activities retry until they succeed, so no credit is lost); by then the caller has timed out, and a
   * session started for nobody would burn its credit. Past this age the gate starts nothing and gives the credit
   * back. Changing it changes the outcome of replayed starts: only ever raise it together with a workflow patch.
   */
  startStaleAfterMs: 60_000,
  isStartStale(requestedAt: string | undefined, nowMs: number): boolean {
    return requestedAt !== undefined && nowMs - Date.parse(requestedAt) > gateRules.startStaleAfterMs;
  },
  /** How long before each deadline a session's participants hear `session:ending_soon` ("1 minute left"). */
  endingSoonMs: 60_000,
  /** Bound on remembered request ids / ended sessions carried in gate state. */
  memory: 50,
};
