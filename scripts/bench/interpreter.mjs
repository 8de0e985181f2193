// Offline interpreter throughput, in-process on one core (the caller pins it with taskset): a mix of
// plain requests of every intent — version 1 (create, list, move, cancel, find_free) and version 2
// (check, invite, undo, relative shifts, bulk cancels, blocks, attendees, a new length) — interpreted
// back to back for BENCH_SECONDS after a warm-up.
// Prints one JSON line: { requests, seconds, rps, p50Us, p99Us }.
import { createRequire } from 'node:module';
import path from 'node:path';
import { ROOT } from '../lib/setup.mjs';

const require = createRequire(import.meta.url);
require('reflect-metadata');
const { OfflineInterpreter } = require(
  path.join(ROOT, 'dist/apps/api/libs/assistant/src/interpreter/offline.interpreter.js'),
);

const TEXTS = [
  'what do I have this week?',
  'show my calendar for tomorrow',
  'Dentist tomorrow at 10',
  'Lunch with Sam on Friday at 12:30 for 90 minutes at Café Luna',
  'Gym Monday, Wednesday and Friday at 7am',
  'weekly team sync every Tuesday at 9',
  'move my 3pm with Sam to tomorrow',
  'cancel the dentist on Thursday',
  'when am I free next week for an hour?',
  'find 30 minutes on Friday afternoon',
  'Please book a call with Alex next Monday at 4pm',
  'push standup to 10:30',
  // version 2
  'Am I free Thursday at 2?',
  'is Sam free at 3 tomorrow?',
  'am I free with Priya on Friday afternoon?',
  'Invite Priya and Lee to the offsite',
  'invite Sam too',
  'undo that',
  'never mind, put it back',
  'Push the standup 30 minutes later',
  'Move my 3pm an hour earlier',
  'Postpone the team dinner by a week',
  'Cancel all my meetings on Friday',
  'Clear all standups next week',
  'Block Friday afternoon for deep work',
  'Schedule a call with Priya and Sam on Friday at 3',
  'Find 45 minutes with Priya next week',
  'make it 30 minutes',
];
const CONTEXTS = [
  { now: '2026-03-02T09:00:00-05:00', timeZone: 'America/New_York' },
  { now: '2026-10-24T10:00:00+02:00', timeZone: 'Europe/Berlin' },
  { now: '2026-12-30T09:00:00+09:00', timeZone: 'Asia/Tokyo' },
];
const requests = TEXTS.flatMap((text) => CONTEXTS.map((ctx) => ({ text, ...ctx })));

const interpreter = new OfflineInterpreter();
const seconds = Number(process.env.BENCH_SECONDS ?? 5);

const run = (ms, samples) => {
  const end = performance.now() + ms;
  let n = 0;
  while (performance.now() < end) {
    for (const req of requests) {
      const t = samples ? performance.now() : 0;
      interpreter.interpret(req);
      if (samples) samples.push(performance.now() - t);
    }
    n += requests.length;
  }
  return n;
};

run(Math.min(2000, seconds * 400)); // warm-up: let the JIT settle
const started = performance.now();
const n = run(seconds * 1000);
const elapsed = (performance.now() - started) / 1000;
const samples = [];
run(500, samples);
samples.sort((a, b) => a - b);
const pct = (p) => Math.round(samples[Math.floor((samples.length - 1) * p)] * 1000);
process.stdout.write(
  JSON.stringify({ requests: n, seconds: elapsed, rps: n / elapsed, p50Us: pct(0.5), p99Us: pct(0.99) }) +
    '\n',
);
