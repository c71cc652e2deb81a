/** What one delivery attempt on one channel came to. */
export type SendResult =
  | { outcome: 'delivered'; code: string }
  /** Try again later (rate limit, temporary failure); `afterMs` when the provider said how long. */
  | { outcome: 'retry'; code: string; error: string; afterMs?: number }
  /** This channel will never work for this message (bad address, permanent SMTP refusal). */
  | { outcome: 'permanent'; code: string; error: string }
  /** The Discord webhook is gone (404): stop using it, fall back to email. */
  | { outcome: 'gone'; code: string; error: string };

export interface Message {
  /** Stable per notification: the email Message-ID, so a resend after a crash is recognisable as the same message. */
  id: string;
  subject: string;
  text: string;
  html: string;
}
