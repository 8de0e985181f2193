import { intRedis } from '../../../test/support/int-redis';
import {
  AssistantMemoryStore,
  LAST_EVENT_TTL_SECONDS,
  PENDING_CHOICE_TTL_SECONDS,
} from './assistant-memory.store';

describe('AssistantMemoryStore on Redis', () => {
  let r: Awaited<ReturnType<typeof intRedis>>;
  let store: AssistantMemoryStore;
  beforeAll(async () => {
    r = await intRedis();
    store = new AssistantMemoryStore(r.redis);
  });
  afterAll(() => r?.close());

  it("keeps each user's last event and pending choice apart, with their TTLs", async () => {
    const ev = { eventId: 'e1', occurrenceStart: null, title: 'Standup' };
    await store.rememberEvent('u1', ev);
    await store.savePendingChoice('u1', { candidates: ['a', 'b'] });
    expect(await store.lastEvent('u1')).toEqual(ev);
    expect(await store.lastEvent('u2')).toBeNull();
    expect(await store.pendingChoice('u2')).toBeNull();
    expect(await store.pendingChoice('u1')).toEqual({ candidates: ['a', 'b'] });

    const lastTtl = await r.client.pttl('assistant:last-event:u1');
    expect(lastTtl).toBeGreaterThan((LAST_EVENT_TTL_SECONDS - 60) * 1000);
    expect(lastTtl).toBeLessThanOrEqual(LAST_EVENT_TTL_SECONDS * 1000);
    const pendingTtl = await r.client.pttl('assistant:pending-choice:u1');
    expect(pendingTtl).toBeGreaterThan((PENDING_CHOICE_TTL_SECONDS - 60) * 1000);
    expect(pendingTtl).toBeLessThanOrEqual(PENDING_CHOICE_TTL_SECONDS * 1000);

    await store.clearPendingChoice('u1');
    expect(await store.pendingChoice('u1')).toBeNull();
    expect(await store.lastEvent('u1')).toEqual(ev);
  });
});
