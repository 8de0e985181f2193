import type {
  AclRuleResponseDto,
  CalendarResponseDto,
  CalendarRole,
  EventWriteResponseDto,
} from '@app/calendar';
import type { TestApi } from './test-app';
import type { TestUser } from './users';

/** A string to search raw response bodies for: it must never reach a role that may not see it. */
export const SECRET_MARKER = 'ZZ-SECRET-7f3a';

/** Whether a raw body (JSON, or iCalendar with its folded lines) carries the marker in any case. */
export const leaksSecret = (raw: string): boolean =>
  raw
    .replace(/\r\n[ \t]/g, '')
    .toLowerCase()
    .includes(SECRET_MARKER.toLowerCase());

/** Creates a calendar owned by `owner` through the API; its id. */
export async function createCalendar(api: TestApi, owner: TestUser, name = 'Team'): Promise<string> {
  const res = await api.request<CalendarResponseDto>('/v1/calendars', {
    method: 'POST',
    token: owner.token,
    json: { name },
  });
  if (res.status !== 201) throw new Error(`create calendar failed: ${res.status} ${res.text}`);
  return res.body.id;
}

/** Shares the calendar with `grantee` at `role` (POST /v1/calendars/{id}/acl); the rule id. */
export async function share(
  api: TestApi,
  owner: TestUser,
  calendarId: string,
  grantee: Pick<TestUser, 'email'>,
  role: CalendarRole,
): Promise<string> {
  const res = await api.request<AclRuleResponseDto>(`/v1/calendars/${calendarId}/acl`, {
    method: 'POST',
    token: owner.token,
    json: { email: grantee.email, role },
  });
  if (res.status !== 201) throw new Error(`share failed: ${res.status} ${res.text}`);
  return res.body.id;
}

/** Removes a sharing rule (DELETE /v1/calendars/{id}/acl/{ruleId}). */
export async function unshare(
  api: TestApi,
  owner: TestUser,
  calendarId: string,
  ruleId: string,
): Promise<void> {
  const res = await api.request(`/v1/calendars/${calendarId}/acl/${ruleId}`, {
    method: 'DELETE',
    token: owner.token,
  });
  if (res.status !== 204) throw new Error(`unshare failed: ${res.status} ${res.text}`);
}

/**
 * A private event in the calendar whose title, description, location and attendee all carry
 * SECRET_MARKER (only writers and owners may see any of them).
 */
export async function createPrivateEvent(
  api: TestApi,
  owner: TestUser,
  calendarId: string,
  start: string,
): Promise<EventWriteResponseDto['event']> {
  const res = await api.request<EventWriteResponseDto>('/v1/events', {
    method: 'POST',
    token: owner.token,
    json: {
      calendarId,
      title: `Offer talks ${SECRET_MARKER}`,
      description: `notes ${SECRET_MARKER}`,
      location: `Room ${SECRET_MARKER}`,
      attendees: [`${SECRET_MARKER.toLowerCase()}@example.com`],
      visibility: 'private',
      start,
    },
  });
  if (res.status !== 201) throw new Error(`create event failed: ${res.status} ${res.text}`);
  return res.body.event;
}
