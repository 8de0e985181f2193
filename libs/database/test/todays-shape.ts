/**
 * A database in the shape the code had before calendars (issue 15), for the migration tests
 * (libs/database int-spec, test/e2e/migrations): users; events, feeds (the first three users) and
 * webhooks (the first two) with an ownerId and no calendar. The last user signed up under the new
 * code and already has its primary calendar; one event belongs to an account that no longer
 * exists, and one is already in a secondary calendar.
 */
import { ObjectId } from 'bson';
import type { mongo } from 'mongoose';

export async function seedTodaysShape(db: mongo.Db, counts: { users: number; events: number }) {
  const users = Array.from({ length: counts.users }, (_, i) => ({
    _id: new ObjectId(),
    email: i === 0 ? 'Mixed.Case@Example.test' : `user${i}@example.test`,
    passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA',
    name: `User ${i}`,
    timeZone: i % 2 ? 'Europe/Berlin' : 'America/New_York',
    createdAt: new Date(Date.UTC(2025, 0, i + 1)),
    updatedAt: new Date(Date.UTC(2025, 1, i + 1)),
  }));
  await db.collection('users').insertMany(users);
  // The last user signed up under the new code: already has its primary calendar.
  const signedUpLater = users[counts.users - 1];
  const existingCalendar = {
    _id: signedUpLater._id,
    ownerId: signedUpLater._id,
    ownerEmail: signedUpLater.email,
    name: 'Chosen at sign-up',
    description: null,
    color: '#123456',
    timeZone: 'Asia/Tokyo',
    primary: true,
    deletedAt: null,
    createdAt: new Date(Date.UTC(2026, 0, 1)),
    updatedAt: new Date(Date.UTC(2026, 0, 1)),
  };
  await db.collection('calendars').insertOne(existingCalendar);
  const orphanOwner = new ObjectId(); // events of an account deleted without its data
  const events = Array.from({ length: counts.events }, (_, i) => ({
    _id: new ObjectId(),
    ownerId: i === 5 ? orphanOwner : users[i % (counts.users - 1)]._id,
    title: `Event ${i}`,
    start: new Date(Date.UTC(2026, 2, 1, i % 24)),
    end: new Date(Date.UTC(2026, 2, 1, i % 24, 30)),
    timeZone: 'Europe/Berlin',
    rangeStart: new Date(Date.UTC(2026, 2, 1, i % 24)),
    rangeEnd: new Date(Date.UTC(2026, 2, 1, i % 24, 30)),
    version: 3,
    uid: `uid-${i}@example.test`,
    deletedAt: i % 100 === 0 ? new Date(Date.UTC(2026, 1, 1)) : null,
    updatedAt: new Date(Date.UTC(2026, 1, 2)),
  }));
  // One event already in a (secondary) calendar: left alone.
  const secondary = new ObjectId();
  events.push({ ...events[1], _id: new ObjectId(), calendarId: secondary } as (typeof events)[number]);
  await db.collection('events').insertMany(events);
  const feeds = users.slice(0, 3).map((u, i) => ({
    _id: new ObjectId(),
    ownerId: u._id,
    kind: 'private',
    name: null,
    tokenHash: `hash-${i}`,
    lastUsedAt: null,
    revokedAt: null,
    createdAt: new Date(),
  }));
  await db.collection('feeds').insertMany(feeds);
  const webhooks = users.slice(0, 2).map((u, i) => ({
    _id: new ObjectId(),
    ownerId: u._id,
    url: `https://hooks.example.test/${i}`,
    events: ['event.created'],
    description: null,
    secretEnc: 'enc',
    createdAt: new Date(),
    updatedAt: new Date(),
  }));
  await db.collection('webhooks').insertMany(webhooks);
  return { users, existingCalendar, orphanOwner, secondary };
}
