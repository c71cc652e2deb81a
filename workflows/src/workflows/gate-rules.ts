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
  /** Bound on remembered request ids / ended sessions carried in gate state. */
  memory: 50,
};
