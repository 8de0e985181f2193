import type {
  AssistantMessageRequest,
  AssistantMessageResponse,
  ChangesetOutcomeResponse,
} from './assistant.dto';

/**
 * Swagger examples of POST /v1/assistant/messages and the changeset routes: one per kind of answer
 * of plan version 2 (people, checks, shifts, a new length, bulk cancels, undo), in America/New_York
 * on Monday 2 March 2026. Documentation only: nothing reads them at run time.
 */

type Changeset = NonNullable<AssistantMessageResponse['changeset']>;

const EMPTY = { event: null, target: null, window: null, durationMinutes: null };
const REQUEST = { interpreter: 'offline', model: null, toolCallIds: [] };

const slot = (start: string, end: string) => ({
  start: new Date(start).toISOString(),
  end: new Date(end).toISOString(),
  startLocal: start,
  endLocal: end,
});
const timing = (start: string, end: string) => ({ allDay: false, ...slot(start, end) });

const changeset = (fields: Partial<Changeset> & Pick<Changeset, 'kind' | 'state' | 'summary' | 'items'>) =>
  ({
    id: '6650f1a2c3d4e5f6a7b8c9d1',
    occurrences: fields.items.length,
    diff: [],
    conflicts: [],
    expiresAt: '2026-03-02T14:05:00.000Z',
    confirmedAt: null,
    undoUntil: null,
    undoneAt: null,
    request: { text: '', ...REQUEST },
    createdAt: '2026-03-02T14:00:00.000Z',
    ...fields,
  }) satisfies Changeset;

/** Request bodies, one per kind of request. */
export const ASSISTANT_MESSAGE_EXAMPLES: Record<string, { summary: string; value: AssistantMessageRequest }> =
  {
    createWithPerson: {
      summary: 'create with a person',
      value: { text: 'Lunch with Priya tomorrow at noon' },
    },
    check: { summary: 'check, with a person', value: { text: 'Am I free with Priya Thursday at 2?' } },
    shift: { summary: 'move by a shift', value: { text: 'Push the standup 30 minutes later' } },
    length: { summary: 'follow-up: a new length', value: { text: 'make it 30 minutes' } },
    invite: { summary: 'follow-up: invite', value: { text: 'invite Sam too' } },
    bulkCancel: { summary: 'bulk cancel (preview)', value: { text: 'Cancel all my meetings on Friday' } },
    undo: { summary: 'undo', value: { text: 'undo that' } },
  };

/** Answers, one per kind of request. */
export const ASSISTANT_REPLY_EXAMPLES: Record<string, { summary: string; value: AssistantMessageResponse }> =
  {
    createWithPerson: {
      summary:
        'create with a person: applied at once, as an undoable changeset; the name resolved among your contacts',
      value: {
        reply: 'Added “Lunch with Priya” on Tue, Mar 3, 12:00 PM – 1:00 PM with priya@example.com invited.',
        plan: {
          ...EMPTY,
          intent: 'create',
          event: {
            title: 'Lunch with Priya',
            start: '2026-03-03T12:00:00-05:00',
            end: '2026-03-03T13:00:00-05:00',
            allDay: false,
            recurrence: null,
            location: null,
            attendees: ['Priya'],
          },
        },
        interpreter: 'offline',
        outcome: 'ok',
        changeset: changeset({
          kind: 'create',
          state: 'confirmed',
          summary: 'Add “Lunch with Priya” on Tue, Mar 3, 12:00 PM – 1:00 PM',
          confirmedAt: '2026-03-02T14:00:00.000Z',
          undoUntil: '2026-03-03T14:00:00.000Z',
          items: [
            {
              eventId: '6650f1a2c3d4e5f6a7b8c9e1',
              title: 'Lunch with Priya',
              recurring: false,
              occurrenceStart: null,
              before: null,
              after: timing('2026-03-03T12:00:00-05:00', '2026-03-03T13:00:00-05:00'),
            },
          ],
        }),
      },
    },
    check: {
      summary:
        'check with a person: no first, who is busy (free/busy: times only), then times everyone is free',
      value: {
        reply:
          "No — Priya is busy 2:00 PM – 2:30 PM. You're all free at Thu, Mar 5, 3:00 PM, Thu, Mar 5, 1:00 PM.",
        plan: {
          ...EMPTY,
          intent: 'check',
          window: { from: '2026-03-05T14:00:00-05:00', to: '2026-03-05T15:00:00-05:00' },
          attendees: ['Priya'],
        },
        interpreter: 'offline',
        outcome: 'ok',
        result: {
          type: 'check',
          window: { from: '2026-03-05T14:00:00-05:00', to: '2026-03-05T15:00:00-05:00' },
          free: false,
          busy: [],
          alternatives: [
            slot('2026-03-05T15:00:00-05:00', '2026-03-05T16:00:00-05:00'),
            slot('2026-03-05T13:00:00-05:00', '2026-03-05T14:00:00-05:00'),
          ],
          people: [
            {
              email: 'priya@example.com',
              busy: [slot('2026-03-05T14:00:00-05:00', '2026-03-05T14:30:00-05:00')],
            },
          ],
          notVisible: [],
        },
      },
    },
    shift: {
      summary:
        'move by a shift: a preview to confirm with its token; the duration and wall-clock time are kept',
      value: {
        reply:
          'Move “Standup” from Tue, Mar 3, 9:00 AM – 9:15 AM to Tue, Mar 3, 9:30 AM – 9:45 AM? Confirm within 5 minutes to apply.',
        plan: {
          ...EMPTY,
          intent: 'move',
          target: { title: 'standup', start: null, from: null, to: null },
          shift: 'PT30M',
        },
        interpreter: 'offline',
        outcome: 'preview',
        changeset: changeset({
          kind: 'move',
          state: 'previewed',
          summary: 'Move “Standup” from Tue, Mar 3, 9:00 AM – 9:15 AM to Tue, Mar 3, 9:30 AM – 9:45 AM',
          token: 'cs_4f9c2b7e1a0d4c8f9e3b6a5d2c1f0e9d',
          items: [
            {
              eventId: '6650f1a2c3d4e5f6a7b8c9e2',
              title: 'Standup',
              recurring: false,
              occurrenceStart: null,
              before: timing('2026-03-03T09:00:00-05:00', '2026-03-03T09:15:00-05:00'),
              after: timing('2026-03-03T09:30:00-05:00', '2026-03-03T09:45:00-05:00'),
            },
          ],
        }),
      },
    },
    length: {
      summary:
        'follow-up "make it 30 minutes": the event just discussed keeps its start; a preview to confirm',
      value: {
        reply:
          'Move “Lunch with Priya” from Tue, Mar 3, 12:00 PM – 1:00 PM to Tue, Mar 3, 12:00 PM – 12:30 PM? Confirm within 5 minutes to apply.',
        plan: { ...EMPTY, intent: 'move', durationMinutes: 30 },
        interpreter: 'offline',
        outcome: 'preview',
      },
    },
    bulkCancel: {
      summary:
        'bulk cancel: one preview listing every event (at most 50); nothing is removed before confirmation',
      value: {
        reply:
          'Cancel 2 events on Fri, Mar 6: “Design review” Fri, Mar 6, 10:00 AM – 11:00 AM; “Budget sync” Fri, Mar 6, 3:00 PM – 4:00 PM? Confirm within 5 minutes to apply.',
        plan: {
          ...EMPTY,
          intent: 'cancel',
          target: {
            title: null,
            start: null,
            from: '2026-03-06T00:00:00-05:00',
            to: '2026-03-07T00:00:00-05:00',
            all: true,
          },
        },
        interpreter: 'offline',
        outcome: 'preview',
        changeset: changeset({
          kind: 'cancel',
          state: 'previewed',
          summary: 'Cancel 2 events on Fri, Mar 6',
          token: 'cs_9a8b7c6d5e4f30211f2e3d4c5b6a7980',
          items: [
            {
              eventId: '6650f1a2c3d4e5f6a7b8c9e3',
              title: 'Design review',
              recurring: false,
              occurrenceStart: null,
              before: timing('2026-03-06T10:00:00-05:00', '2026-03-06T11:00:00-05:00'),
              after: null,
            },
            {
              eventId: '6650f1a2c3d4e5f6a7b8c9e4',
              title: 'Budget sync',
              recurring: false,
              occurrenceStart: null,
              before: timing('2026-03-06T15:00:00-05:00', '2026-03-06T16:00:00-05:00'),
              after: null,
            },
          ],
        }),
      },
    },
    undo: {
      summary:
        'undo: your latest applied changeset reverted (refused with the reason if an event changed since)',
      value: {
        reply:
          'Undone: restored “Design review” (Fri, Mar 6, 10:00 AM – 11:00 AM); restored “Budget sync” (Fri, Mar 6, 3:00 PM – 4:00 PM).',
        plan: { ...EMPTY, intent: 'undo' },
        interpreter: 'offline',
        outcome: 'ok',
        changeset: changeset({
          kind: 'cancel',
          state: 'undone',
          summary: 'Cancel 2 events on Fri, Mar 6',
          confirmedAt: '2026-03-02T14:01:00.000Z',
          undoUntil: '2026-03-03T14:01:00.000Z',
          undoneAt: '2026-03-02T14:02:00.000Z',
          items: [],
        }),
      },
    },
  };

/** The answers of POST /v1/changesets/{id}/confirm and /undo. */
export const CHANGESET_OUTCOME_EXAMPLES: Record<
  string,
  { summary: string; value: ChangesetOutcomeResponse }
> = {
  confirmed: {
    summary: 'a bulk cancel confirmed: both events removed, undoable for 24 hours',
    value: {
      reply:
        'Done: cancelled “Design review” (Fri, Mar 6, 10:00 AM – 11:00 AM); “Budget sync” (Fri, Mar 6, 3:00 PM – 4:00 PM). You can undo this for 24 hours.',
      changeset: {
        ...ASSISTANT_REPLY_EXAMPLES.bulkCancel.value.changeset!,
        state: 'confirmed',
        token: undefined,
        confirmedAt: '2026-03-02T14:01:00.000Z',
        undoUntil: '2026-03-03T14:01:00.000Z',
      },
      events: [],
    },
  },
  undone: {
    summary: 'undone: the events as they are again',
    value: {
      reply:
        'Undone: restored “Design review” (Fri, Mar 6, 10:00 AM – 11:00 AM); restored “Budget sync” (Fri, Mar 6, 3:00 PM – 4:00 PM).',
      changeset: {
        ...ASSISTANT_REPLY_EXAMPLES.bulkCancel.value.changeset!,
        state: 'undone',
        token: undefined,
        confirmedAt: '2026-03-02T14:01:00.000Z',
        undoUntil: '2026-03-03T14:01:00.000Z',
        undoneAt: '2026-03-02T14:02:00.000Z',
      },
      events: [
        { id: '6650f1a2c3d4e5f6a7b8c9e3', title: 'Design review', start: '2026-03-06T15:00:00.000Z' },
        { id: '6650f1a2c3d4e5f6a7b8c9e4', title: 'Budget sync', start: '2026-03-06T20:00:00.000Z' },
      ],
    },
  },
};
