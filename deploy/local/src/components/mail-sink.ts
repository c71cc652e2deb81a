import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';
import { ComponentError } from '../errors';

/**
 * A development mail sink (npm `smtp-server`, in the launcher's own process): the notifications service sends its
 * email here, and each message is written to `<dataDir>/mail/<time>-<n>-<recipient>.eml` to be read with any mail
 * client or `cat`. Not started when SMTP_URL is already set (a real relay, or a benchmark's own server).
 */
export interface RunningMailSink {
  url: string;
  dir: string;
  received(): number;
  stop(): Promise<void>;
}

export async function startMailSink({ host, port, dir }: { host: string; port: number; dir: string }): Promise<RunningMailSink> {
  mkdirSync(dir, { recursive: true });
  let count = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, done) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const to = session.envelope.rcptTo.map((r) => r.address).join(',').replace(/[^\w@.,-]/g, '_').slice(0, 100);
        // The sequence number keeps two messages to one recipient in the same millisecond apart (no overwrite).
        count++;
        writeFileSync(path.join(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}-${count}-${to}.eml`), Buffer.concat(chunks));
        done();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e) => reject(new ComponentError('mail sink', `cannot listen on ${host}:${port}: ${(e as Error).message}`)));
    server.listen(port, host, resolve);
  });
  return { url: `smtp://${host}:${port}`, dir, received: () => count, stop: () => new Promise<void>((r) => server.close(() => r())) };
}
