#!/usr/bin/env -S node --import tsx
/**
 * `hourglass-build <entry>…` in a service's directory (its `npm run build`): each entry bundled into dist/.
 */
import { bundleEntries } from './index';

const entries = process.argv.slice(2);
if (entries.length === 0) {
  console.error('usage: hourglass-build <entry.ts>…');
  process.exit(2);
}
bundleEntries({ cwd: process.cwd(), entries }).then(
  (outputs) => console.log(`built ${outputs.join(', ')}`),
  (e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  },
);
