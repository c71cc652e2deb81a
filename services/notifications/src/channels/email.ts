import nodemailer, { type Transporter } from 'nodemailer';
import type { Message, SendResult } from './types';

export interface EmailChannel {
  send(to: string, message: Message): Promise<SendResult>;
  close(): void;
}

/** SMTP through a pooled nodemailer transport. 4xx → retry later; 5xx → permanent, with the server's reason. */
export function createEmailChannel({ smtpUrl, from }: { smtpUrl: string; from: string }): EmailChannel {
  const transport: Transporter = nodemailer.createTransport(smtpUrl, { pool: true, maxConnections: 2 } as never);
  return {
    async send(to, message) {
      try {
        const info = await transport.sendMail({ from, to, subject: message.subject, text: message.text, html: message.html, messageId: `<${message.id}@hourglass>` });
        return { outcome: 'delivered', code: String(info.response ?? '250').slice(0, 3) };
      } catch (e) {
        const err = e as { responseCode?: number; response?: string; message: string };
        const code = err.responseCode ?? 0;
        if (code >= 500) return { outcome: 'permanent', code: String(code), error: err.response ?? err.message };
        return { outcome: 'retry', code: String(code || 'network'), error: err.response ?? err.message };
      }
    },
    close: () => transport.close(),
  };
}
