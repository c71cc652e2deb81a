import { existsSync, readFileSync, statSync, openSync, readSync, closeSync } from 'node:fs';

/**
 * Console output of the local stack: one line per step, so `npm start` / `npm test` read like a checklist.
 * Everything goes to stderr except what a caller explicitly prints, so stdout stays free for jest.
 */

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

export function info(line: string): void {
  process.stderr.write(`${line}\n`);
}

export function ok(line: string, startedAt?: number): void {
  info(`✔ ${line}${startedAt === undefined ? '' : ` (${seconds(Date.now() - startedAt)})`}`);
}

export function warn(line: string): void {
  info(`⚠ ${line}`);
}

export function fail(line: string): void {
  info(`✖ ${line}`);
}

export function progress(line: string): void {
  info(`… ${line}`);
}

/** The last `lines` lines of a (possibly large) text file; '' when it does not exist. */
export function tailFile(file: string, lines = 30): string {
  if (!existsSync(file)) return '';
  const size = statSync(file).size;
  const chunk = Math.min(size, 64 * 1024);
  let text: string;
  if (chunk === size) {
    text = readFileSync(file, 'utf8');
  } else {
    const fd = openSync(file, 'r');
    try {
      const buffer = Buffer.alloc(chunk);
      readSync(fd, buffer, 0, chunk, size - chunk);
      text = buffer.toString('utf8');
    } finally {
      closeSync(fd);
    }
  }
  return text.replace(/\s+$/, '').split('\n').slice(-lines).join('\n');
}

/** Prints a log's tail indented under a heading, or says the log is empty. */
export function printTail(title: string, file: string, lines = 30): void {
  const tail = tailFile(file, lines);
  info(`  ── ${title}: last ${lines} lines of ${file}`);
  info(tail ? tail.split('\n').map((l) => `  │ ${l}`).join('\n') : '  │ (empty)');
}
