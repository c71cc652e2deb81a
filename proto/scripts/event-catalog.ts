// Writes docs/events.md from the topic registry: the event catalog for integrators. Run: npm run catalog -w proto
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { topicNames, topics } from '../src';

const rows = topicNames.map((name) => {
  const t = topics[name];
  const fields = t.schema.fields.map((f) => `\`${f.name}\``).join(', ');
  return `| \`${name}\` | \`${t.key}\` | \`${t.schema.typeName}\` (${fields}) | ${[t.producer].flat().join(', ')} | ${t.consumers.join(', ') || '—'} | ${t.description} |`;
});
const doc = `# Event catalog

Generated from \`proto/src/topics.ts\` by \`npm run catalog -w proto\`; do not edit by hand.
Every message is protobuf (\`content-type: application/x-protobuf\`), written through the producer's transactional
outbox, with headers \`event-id\` (uuid, the consumers' dedupe key), \`event-type\` (the topic), \`occurred-at\` and
\`trace-id\`. A message that cannot be processed after bounded retries goes to \`<topic>.dlq\` with the error attached.

| topic | key | message | producer | consumers | meaning |
|---|---|---|---|---|---|
${rows.join('\n')}
`;
const out = path.resolve(__dirname, '../../docs/events.md');
writeFileSync(out, doc);
console.log(`wrote ${out}`);
