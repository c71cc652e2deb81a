import { apiTest } from './commands/api-test';
import { faults } from './commands/faults';
import { start } from './commands/start';
import { STACK_FAILED_LINE, test } from './commands/test';
import { UsageError } from './errors';
import { fail, info } from './output';

/**
 * Entry of `npm start` and `npm test` (see the root package.json):
 *   cli.ts start [--replicas N] the whole stack in the foreground until Ctrl-C (N copies of each service/worker)
 *   cli.ts test [jest args…]   the stack on free ports, jest against it, closing line `N passed, N failed`
 *   cli.ts api-test            the stack on free ports, Schemathesis against every service's /openapi.json
 *   cli.ts faults [jest args…] the fault drills (they start and break a stack of their own), `N passed, N failed`
 */

async function main(command: string | undefined, args: string[]): Promise<number> {
  switch (command) {
    case 'start': {
      const i = args.indexOf('--replicas');
      if (i >= 0) process.env.HOURGLASS_REPLICAS = args[i + 1];
      return start();
    }
    case 'test':
      return test(args);
    case 'api-test':
      return apiTest(args);
    case 'faults':
      return faults(args);
    default:
      info('usage: cli.ts start | test [jest args…] | api-test [schemathesis args…] | faults [jest args…]');
      return 2;
  }
}

const [command, ...args] = process.argv.slice(2);
main(command, args).then(
  (code) => process.exit(code),
  (e: unknown) => {
    fail(e instanceof UsageError ? e.message : e instanceof Error ? (e.stack ?? e.message) : String(e));
    if (command === 'test' || command === 'api-test' || command === 'faults') process.stdout.write(`${STACK_FAILED_LINE}\n`);
    process.exit(1);
  },
);
