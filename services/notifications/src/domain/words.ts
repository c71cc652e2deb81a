// How numbers, durations, times and money read in a message: pure, no I/O. Words are English; the locale and time zone
// shape dates, times and money the way the reader writes them.

export interface Reader {
  /** BCP 47, e.g. en-GB. */
  locale: string;
  /** IANA, e.g. Europe/Paris. */
  timeZone: string;
  /** The moment the message is written (times left are counted from it). */
  now: Date;
}

export const defaultReader = (now = new Date()): Reader => ({ locale: 'en-US', timeZone: 'UTC', now });

/** "1 credit", "2 credits", "0 credits". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * A length of time as people say it, exact to the second below an hour: "12 seconds", "1 minute", "1 minute 15
 * seconds", "45 minutes", "2 hours 5 minutes". Never "0 minutes" for a few seconds.
 */
export function humanDuration(totalSeconds: number): string {
  const s = Math.max(0, Math.round(totalSeconds));
  if (s < 60) return plural(s, 'second');
  if (s < 3600) {
    const m = Math.floor(s / 60);
    const rest = s % 60;
    return rest ? `${plural(m, 'minute')} ${plural(rest, 'second')}` : plural(m, 'minute');
  }
  const h = Math.floor(s / 3600);
  const m = Math.round((s % 3600) / 60);
  if (m === 60) return plural(h + 1, 'hour');
  return m ? `${plural(h, 'hour')} ${plural(m, 'minute')}` : plural(h, 'hour');
}

/** Time left until a deadline, rounded the way a reminder says it: whole hours from an hour up, else exact. */
export function timeLeft(untilMs: number, reader: Reader): string {
  const ms = Math.max(0, untilMs - reader.now.getTime());
  return ms >= 3_600_000 ? plural(Math.round(ms / 3_600_000), 'hour') : humanDuration(ms / 1000);
}

/** mm:ss of a number of seconds (seed 002's "Waiting for cooldown to end (mm:ss)"). */
export function mmss(totalSeconds: number): string {
  const s = Math.max(0, Math.round(totalSeconds));
  return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

/** A moment in the reader's time zone and locale, with the zone named: "Dec 1, 2026, 4:25 AM UTC". */
export function formatTime(iso: string | undefined, reader: Reader): string | null {
  const at = iso ? new Date(iso) : null;
  if (!at || Number.isNaN(at.getTime())) return null;
  return new Intl.DateTimeFormat(reader.locale, { year: 'numeric', month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit', timeZone: reader.timeZone, timeZoneName: 'short' }).format(at);
}

/** Money in the reader's locale: 599 usd → "$5.99" (en-US), "5,99 $US" (fr-FR). */
export function formatMoney(cents: number, currency: string, reader: Reader): string {
  try {
    return new Intl.NumberFormat(reader.locale, { style: 'currency', currency: currency.toUpperCase() }).format(cents / 100);
  } catch {
    return `${(cents / 100).toFixed(2)} ${currency.toUpperCase()}`;
  }
}

/** Whether a string is a time zone this runtime knows (IANA name or UTC offset). */
export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Whether a string is a well-formed locale the runtime can format for. */
export function isLocale(locale: string): boolean {
  try {
    return Intl.getCanonicalLocales(locale).length === 1 && Intl.DateTimeFormat.supportedLocalesOf([locale]).length === 1;
  } catch {
    return false;
  }
}
