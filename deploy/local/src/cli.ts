import { start } from './commands/start';
import { STACK_FAILED_LINE, test } from './commands/test';
import { UsageError } from './errors';
import { fail, info } from './output';

/**
 * Entry of `npm start` and `npm test` (see the root package.json):
 *   cli.ts start               the whole stack in the foreground until Ctrl-C
 *   cli.ts test [jest args…]   the stack on free ports, jest against it, closing line `N passed, N failed`
 */

async function main(command: string | undefined, args: string[]): Promise<number> {
  switch (command) {
    case 'start':
      return start();
    case 'test':
      return test(args);
    default:
      info('usage: cli.ts start | test [jest args…]');
      return 2;
  }
}

const [command, ...args] = process.argv.slice(2);
main(command, args).then(
  (code) => process.exit(code),
  (e: unknown) => {
    fail(e instanceof UsageError ? e.message : e instanceof Error ? (e.stack ?? e.message) : String(e));
    if (command === 'test') process.stdout.write(`${STACK_FAILED_LINE}\n`);
    process.exit(1);
  },
);
