// Seeding for `npm run bench`: accounts through the API's register route (so login and tokens are
// the real ones), events inserted straight into MongoDB with the native driver in the document shape
// EventRepository.insert writes (toState from the built calendar lib, so ranges are computed by the
// same code the API uses).
import { createRequire } from 'node:module';
import path from 'node:path';
import { ROOT } from '../lib/setup.mjs';

const require = createRequire(import.meta.url);
/** The native driver (mongoose's dependency; CommonJS, so required rather than imported). */
export const mongodb = require('mongodb');
const { MongoClient, ObjectId } = mongodb;
const { toState } = require(path.join(ROOT, 'dist/apps/api/libs/calendar/src/events/event.mapper.js'));

const MINUTE = 60_000;
const WEEK = 7 * 86_400_000;
/** One-off events per week of a user's history: with the series, about 50 occurrences a week. */
const SINGLES_PER_WEEK = 38;
/** FerretDB stalls on very large insert batches; a thousand documents per insertMany is safe. */
const BATCH = 1000;

export const BENCH_ZONE = 'Europe/Berlin';

/** The stored document for a series, as EventRepository.insert writes it (in the owner's primary calendar). */
export function eventDocument(ownerId, series, now = new Date()) {
  const _id = new ObjectId();
  const state = toState({ allDay: false, exdates: [], overrides: [], timeZone: BENCH_ZONE, ...series });
  return {
    ...state,
    _id,
    calendarId: new ObjectId(ownerId),
    ownerId: new ObjectId(ownerId),
    uid: `${_id.toHexString()}@calendar-assistant`,
    version: 1,
    deletedAt: null,
    createdAt: now,
    updatedAt: now,
  };
}

const round5 = (ms) => Math.round(ms / (5 * MINUTE)) * 5 * MINUTE;

/**
 * A history of `count` events centred on `window`: one-off events at a steady density (so any week
 * holds about the same number whatever the history's length), 1% recurring series — five endless
 * weekly ones that start when the history starts (expansion must skip their past cheaply), the rest
 * weekly for 26 weeks, spread over the history.
 */
export function* historyDocuments(ownerId, count, window) {
  const seriesCount = Math.max(1, Math.round(count / 100));
  const endless = Math.min(5, seriesCount);
  const singles = count - seriesCount;
  const span = Math.max(WEEK, (singles / SINGLES_PER_WEEK) * WEEK);
  const mid = (window.from.getTime() + window.to.getTime()) / 2;
  const first = mid - span / 2;
  for (let i = 0; i < singles; i++) {
    const start = round5(first + (i * span) / singles);
    yield eventDocument(ownerId, {
      start: new Date(start),
      end: new Date(start + (30 + (i % 4) * 15) * MINUTE),
      recurrence: null,
      fields: {
        title: `Meeting ${i}`,
        location: i % 3 === 0 ? 'Room 4' : null,
        attendees: [],
        reminders: [10],
      },
    });
  }
  for (let i = 0; i < seriesCount; i++) {
    const isEndless = i < endless;
    const start = round5(
      isEndless ? first + i * 86_400_000 : first + ((i - endless) * span) / (seriesCount - endless || 1),
    );
    yield eventDocument(ownerId, {
      start: new Date(start),
      end: new Date(start + 30 * MINUTE),
      recurrence: isEndless ? 'FREQ=WEEKLY' : 'FREQ=WEEKLY;COUNT=26',
      fields: { title: `Series ${i}`, attendees: ['team@example.com'], reminders: [] },
    });
  }
}

/** Inserts documents in batches; returns how many. */
export async function insertAll(collection, docs) {
  let batch = [];
  let n = 0;
  for (const doc of docs) {
    batch.push(doc);
    if (batch.length === BATCH) {
      await collection.insertMany(batch, { ordered: false });
      n += batch.length;
      batch = [];
    }
  }
  if (batch.length) await collection.insertMany(batch, { ordered: false });
  return n + batch.length;
}

export async function connect(uri) {
  const client = await new MongoClient(uri).connect();
  return { client, events: client.db().collection('events') };
}

/** Registers an account through the API; returns { id, token }. */
export async function register(base, email, password) {
  const res = await fetch(`${base}/v1/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password, name: 'Bench User', timeZone: BENCH_ZONE }),
  });
  const body = await res.json();
  if (res.status !== 201) throw new Error(`register ${email}: ${res.status} ${JSON.stringify(body)}`);
  return { id: body.user.id, token: body.accessToken };
}

/** Runs `fn` over `items` with at most `limit` at a time. */
export async function pool(items, limit, fn) {
  const out = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i], i);
      }
    }),
  );
  return out;
}
