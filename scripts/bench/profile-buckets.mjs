// Buckets a V8 CPU profile (node --cpu-prof) by the API's per-request parts: each sample goes to the
// nearest frame of its stack, from the leaf up, that a rule below matches (the first rule that does,
// in this order). Leaf first because Fastify runs the rest of a request inside a hook's `done()`; a
// hook's own calls into V8 built-ins (JSON, RegExp) have no URL and count to the hook. Prints each bucket's share of the busy samples and, given the
// measured CPU µs per request (per-request.mjs prints it), µs per request. Sample times are wall
// time, so on a busy machine only the shares are meaningful; the CPU figure scales them.
//
//   node scripts/bench/profile-buckets.mjs PROFILE.cpuprofile [CPU_US_PER_REQUEST]
import { readFileSync } from 'node:fs';

/** [bucket, test on a frame's url or function name], in priority order. */
const RULES = [
  ['garbage collection', (f) => f.functionName === '(garbage collector)'],
  ['idle / program', (f) => f.functionName === '(idle)' || f.functionName === '(program)'],
  ['request logging (pino-http, pino)', (f) => /pino|fast-redact|@pinojs|logging/.test(f.url)],
  ['metrics (prom-client, hook)', (f) => /prom-client|http-metrics|request-hooks/.test(f.url)],
  ['deny list, rate limit, query check', (f) => /security-http|deny-list|rate-limit/.test(f.url)],
  ['throttle interceptor/guard', (f) => /throttl/.test(f.url)],
  ['security headers', (f) => /security-headers/.test(f.url)],
  ['in-flight count, request id, shutdown', (f) => /in-flight|create-api-app/.test(f.url)],
  ['CORS', (f) => /@fastify\/cors/.test(f.url)],
  [
    'auth guard + token verification',
    (f) => /jwt|jsonwebtoken|jws|passport|auth\.guard|identity/.test(f.url),
  ],
  ['read cache (Redis)', (f) => /ioredis|redis-parser|libs\/cache/.test(f.url)],
  ['handler + service', (f) => /libs\/calendar|apps\/api\/src\/(events|health)/.test(f.url)],
  [
    'serialization',
    (f) =>
      /fast-json-stringify|serializ/.test(f.url) ||
      (/fastify/.test(f.url) && /serializ/i.test(f.functionName)),
  ],
  ['inject harness (light-my-request)', (f) => /light-my-request|per-request\.mjs/.test(f.url)],
  ['Nest core, router, rxjs', (f) => /@nestjs|rxjs/.test(f.url)],
  ['Fastify', (f) => /fastify|find-my-way|avvio/.test(f.url)],
];

const [file, cpuUs] = process.argv.slice(2);
const profile = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const bucketOf = new Map();
function bucket(id) {
  if (bucketOf.has(id)) return bucketOf.get(id);
  let found = 'other (node, V8)';
  for (let at = id; at !== undefined; at = parent.get(at)) {
    const frame = byId.get(at).callFrame;
    const rule = RULES.find(([, test]) => test(frame));
    if (rule) {
      found = rule[0];
      break;
    }
  }
  bucketOf.set(id, found);
  return found;
}
const totals = new Map();
profile.samples.forEach((id, i) => {
  const b = bucket(id);
  totals.set(b, (totals.get(b) ?? 0) + (profile.timeDeltas[i] ?? 0));
});
const busy = [...totals].filter(([b]) => b !== 'idle / program').reduce((a, [, us]) => a + us, 0);
const scale = Number(cpuUs) || 0;
for (const [b, us] of [...totals].sort((a, c) => c[1] - a[1]))
  console.log(
    `${b.padEnd(40)} ${(us / 1000).toFixed(0).padStart(7)} ms  ${b === 'idle / program' ? '' : `${((us / busy) * 100).toFixed(1).padStart(5)}%`}${scale && b !== 'idle / program' ? `  ${((us / busy) * scale).toFixed(1).padStart(6)} µs/req` : ''}`,
  );
