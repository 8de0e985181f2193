import { DURATION } from './durations';
import { MONTH, WEEKDAY } from './lexicon';
import { readCheckSubject, readInvite } from './people';

/**
 * Which kind of request a text is: create, move, cancel, a bulk cancel, list, find_free, check,
 * invite, undo or unknown (small talk, questions that are not about the calendar). Works on the
 * text after greetings and courtesy words have been removed ({@link stripCourtesy}).
 */

export type RequestKind =
  | 'create'
  | 'move'
  | 'resize'
  | 'cancel'
  | 'bulk_cancel'
  | 'list'
  | 'find_free'
  | 'check'
  | 'invite'
  | 'undo'
  | 'unknown';

export interface Classified {
  readonly kind: RequestKind;
  /** For move and cancel: the text after the verb (original case). Otherwise the whole text. */
  readonly body: string;
  /** For move: the verb and its particle as written, lower-case ("push back", "bring forward"). */
  readonly verb?: string;
}

const INVITE_START =
  /^(?:invite|add|include|loop\s+in|bring\s+in|cc|send\s+(?:an?\s+)?(?:calendar\s+)?invit)/;

const GREETING =
  /^(?:(?:hey|hi|hello|hiya|yo|ok(?:ay)?|so|um+|uh+|hmm+|well|alright|right|assistant|calendar|good\s+(?:morning|afternoon|evening|day))(?![a-z'])[\s,!.:;-]*)+/i;
const COURTESY =
  /^(?:(?:please|pls|plz|kindly|just|quickly|also|and|then|now)\s+|(?:can|could|would|will)\s+(?:you|u)\s+(?:please\s+|kindly\s+|just\s+)?|(?:can|could|shall|should)\s+(?:we|i)\s+(?:please\s+)?|i(?:'d|\s+would)\s+like\s+(?:you\s+)?to\s+|(?:i|we)\s+(?:want|need|have)\s+(?:you\s+)?to\s+|i\s+wanna\s+|let'?s\s+|let\s+us\s+|go\s+ahead\s+and\s+|help\s+me\s+|i'?m\s+going\s+to\s+(?=move|reschedule|cancel|delete|push|postpone|shift)|please,\s*)+/i;

/** The request without greetings and courtesy phrases (original case). */
export function stripCourtesy(text: string): string {
  let t = text.trim();
  for (let i = 0; i < 4; i++) {
    const next = t.replace(GREETING, '').replace(COURTESY, '').trim();
    if (next === t) break;
    t = next;
  }
  return t;
}

const DESTRUCTIVE =
  '(?:cancel|delete|remove|clear|erase|wipe|drop|purge|scrap|get\\s+rid\\s+of|nuke|empty|trash|axe|kill|call\\s+off|reset|unschedule)';
const BULK = [
  new RegExp(
    `\\b${DESTRUCTIVE}(?![a-z])[^.?!]*?\\b(?:all(?![- ](?:hands|day))|everything|every(?!\\s+other)|entire|whole|each|both|any|rest\\s+of)(?![a-z])`,
  ),
  /\b(?:clear|wipe|empty|erase|purge|reset|nuke|free\s+up)\s+(?:out\s+)?(?:my|the|our|this|next|all)?\s*(?:calendar|schedule|agenda|diary|day|week|weekend|month|morning|afternoon|evening|today|tomorrow|tonight|monday|tuesday|wednesday|thursday|friday|saturday|sunday)(?![a-z])/,
  new RegExp(
    `^${DESTRUCTIVE}\\s+(?:my|the|our|this|next)?\\s*(?:whole\\s+|entire\\s+)?(?:day|week|weekend|morning|afternoon|evening|month|today|tomorrow|tonight|monday|tuesday|wednesday|thursday|friday|saturday|sunday)(?:'s)?(?:\\s+(?:today|tomorrow|tonight|this\\s+\\w+|next\\s+\\w+|on\\s+\\w+))?\\s*[.!?]*$`,
  ),
  new RegExp(
    `\\b${DESTRUCTIVE}\\s+(?:my|the|our)\\s+(?:calendar|schedule|agenda|diary)(?![a-z])(?!\\s+(?:entry|event|item))`,
  ),
  new RegExp(
    `^${DESTRUCTIVE}\\s+(?:of\\s+)?(?:my|the|our)?\\s*(?:[a-z]+'s\\s+)?(?:meetings|events|appointments|calls|plans|bookings|entries)(?![a-z])`,
  ),
];

/** Convention 20: "undo", "undo that", "never mind, put it back", "revert the last change". */
const UNDO = [
  /^(?:undo|undelete|revert|reverse|roll\s*back|rollback)(?![a-z'])(?!\s+(?:my|the|our)\s+(?!last|latest|previous|most\s+recent)\w+\s+(?:to|by))/,
  /^(?:put|change|set|switch|move|turn)\s+(?:it|that|them|everything|things|this)\s+back(?:\s+(?:the\s+way\s+it\s+was|how\s+it\s+was|to\s+how\s+it\s+was|as\s+it\s+was|to\s+what\s+it\s+was|again))?[\s.!?]*$/,
  /^(?:take\s+(?:that|it)\s+back|scratch\s+that|cancel\s+(?:that|the|my)\s+(?:last\s+)?(?:change|edit|action)|restore\s+(?:it|that|what\s+i\s+(?:deleted|cancelled|canceled|removed|changed))|bring\s+(?:it|that)\s+back|go\s+back\s+to\s+(?:how|what)\s+it\s+was)(?![a-z'])[^.?!]*[\s.!?]*$/,
];

/** Words before an undo that change nothing: "never mind, put it back", "oops, undo that". */
const UNDO_LEAD =
  /^(?:(?:never\s*mind|nevermind|nvm|oops|whoops|oh\s+no|wait|actually|no|sorry|hmm+|ugh|argh)(?![a-z'])[\s,.!:;-]*)+(?:(?:please|pls|just|can\s+you|could\s+you)\s+)*/;

/**
 * Convention 17: yes/no questions about a time or span ("am I free Thursday at 2?", "do I have
 * anything tomorrow afternoon?", "is 3pm free on Friday?", "am I busy tomorrow morning?").
 */
const CHECK = [
  /^(?:am|are)\s+(?:i|we)\s+(?:free|available|busy|booked|open|clear|around|tied\s+up|doing\s+anything|scheduled|committed|unavailable|occupied)(?![a-z])/,
  /^(?:do|will|did|would)\s+(?:i|we)\s+have\s+(?:anything|something|plans|any\s+(?:plans|meetings?|events?|appointments?|conflicts?|calls?|commitments?)|a\s+(?:conflict|clash|meeting|commitment))(?![a-z])/,
  /^(?:have\s+(?:i|we)\s+got|(?:i|we)\s+got|got)\s+(?:anything|something|plans)(?![a-z])/,
  /^is\s+there\s+(?:anything|something)\s+(?:on|at|scheduled|booked|planned|in|for|this|next|today|tonight|tomorrow|around|between|from)(?![a-z])/,
  // "is Thursday at 2 free?", "is my afternoon clear?" — the subject is a time, not a shop or a room.
  new RegExp(
    `^(?:is|are)\\s+(?:(?:my|the|this|next)\\s+)?(?:\\d|noon|midday|midnight|lunch|today|tonight|tomorrow|early|late|morning|afternoon|evening|weekend|week|calendar|schedule|diary|agenda|day|time|slot|${WEEKDAY}|${MONTH})[^.?!]*\\b(?:free|available|open|clear|busy|booked|taken)(?![a-z])`,
  ),
  /^(?:does|do|would|will|is)\s+(?!there\s)[^.?!]*\b(?:work|works|ok|okay|fine)\s+for\s+(?:me|us|(?:[a-z][\w.@'-]*\s+){1,3}(?:and|&)\s+(?:me|i))(?![a-z])/,
  /^(?:does|would|will)\s+[^.?!]*\b(?:work|suit\s+me)\s*[?.!]*$/,
  /\b(?:if|whether)\s+(?:i'?m|i\s+am|we'?re|we\s+are|i\s+have\s+anything|i'?ve\s+got\s+anything)\s*(?:free|available|busy|booked|on|at|scheduled|planned|tomorrow|today|tonight|this|next)?(?![a-z])/,
];
/** Signs that a question about free time wants slots found, not a yes or no. */
const FIND_NOT_CHECK =
  /\b(?:when|what\s+times?|which\s+times?|find|slots?|windows?|openings?|gaps?|free\s+time|spare\s+time|how\s+much|how\s+long|a\s+free|any\s+free|an?\s+(?:free\s+)?(?:hour|half)|\d+\s*(?:-\s*)?(?:minutes?|mins?|hours?|hrs?)\s+(?:free|open|slot))(?![a-z])/;

const SMALL_TALK =
  /^(?:thanks?(?:\s+you)?(?:\s+so\s+much)?|thank\s+u|thx|ty|cheers|bye|goodbye|good\s*night|see\s+you|see\s+ya|how\s+are\s+you(?:\s+doing)?|how'?s\s+it\s+going|what'?s\s+up|sup|who\s+are\s+you|what\s+can\s+you\s+do|what\s+are\s+you|are\s+you\s+(?:a\s+)?(?:bot|human|real)|help|test(?:ing)?|lol|haha+|yes|no|nope|yep|yeah|ok|okay|cool|nice|great|awesome|hello|hi|hey|tell\s+me\s+a\s+(?:joke|story)|i\s+love\s+you|you'?re\s+\w+)(?:\s+\w+)?[\s.!?]*$/;

const NON_CALENDAR =
  /\b(?:weather|forecast|temperature|raining|rain|snow(?:ing)?|sunny|umbrella|joke|news|headlines|stock|stocks|share\s+price|bitcoin|crypto|recipe|translate|translation|capital\s+of|population|president|lyrics|define|definition|meaning\s+of|calculate|square\s+root|timer|alarm|play\s+(?:some\s+)?(?:music|songs?|a\s+song|spotify)|who\s+won|score\s+of|what\s+time\s+is\s+it|what'?s\s+the\s+time|what\s+day\s+is\s+(?:it|today)|what'?s\s+the\s+date|what\s+is\s+the\s+date|today'?s\s+date|how\s+old|how\s+tall|how\s+far|directions|traffic|wikipedia|google|search\s+(?:for|the\s+web))(?![a-z])/;

const MOVE_VERB =
  /^(?:advance|prepone|move|moving|reschedule|re-schedule|rebook|re-book|push|shift|postpone|bump|delay|change|switch|bring|pull|slide|put\s+off|defer|adjust|update|rearrange)(?![a-z'])/;
const PUT_BACK =
  /^put\s(?![^.?!]*\b(?:on|in|into|onto)\s+(?:my|the|our)\s+(?:calendar|schedule|diary|agenda))[^.?!]*?\s(?:back|forward)\s+(?:by\s+|to\s+)?(?:an?|one|two|three|four|five|six|\d|half|a\s+couple|\w+\s+(?:minutes?|mins?|hours?|days?|weeks?))/;
const MAKE_SHIFT = /^make\s[^.?!]*\b(?:later|earlier|sooner)[\s.!?]*$/;
/**
 * "make it 30 minutes", "shorten the standup to 15 minutes", "extend the review to 2 hours long": a
 * new length for an existing event (the start stays). Not "make a 30 minute call" (a create).
 */
const RESIZE = new RegExp(
  `^(?:make|shorten|extend|lengthen|cut|trim)\\s+(?!(?:a|an|new|me)\\s)(.+?)\\s+(?:(?:down\\s+|up\\s+|back\\s+)?to\\s+|into\\s+)?(?:just\\s+|only\\s+)?(${DURATION})(?:\\s+long)?\\s*[.!?]*$`,
);
const MOVE_PARTICLE = /^(?:back|forward|ahead|out|up|over|along)(?![a-z'])\s*/;
const CANCEL_VERB =
  /^(?:cancel|delete|remove|drop|scrap|erase|clear|call\s+off|get\s+rid\s+of|unschedule|unbook|axe|nix|trash|skip|take\s+off|take\s+out)(?![a-z'])/;
const CREATE_VERB =
  /^(?:add|schedule|book(?!\s+club)|put|set\s+up|setup|set|create|make|plan|arrange|organi[sz]e|block|hold|reserve|pencil|insert|remind|remember|don'?t\s+forget|new\s+(?:event|meeting|appointment|call))(?![a-z'])/;

const FIND_FREE = [
  /\bfree\s+(?:time|slots?|hours?|blocks?|windows?|spots?|periods?|minutes?|half|day|morning|afternoon|evening|\d)/,
  /\b(?:an?|one|some|any|\d+(?:\.\d+)?|two|three|four|five|six|half|thirty|forty-five|ninety)\s+(?:free|open|spare|unbooked)\b/,
  /\b(?:am\s+i|are\s+we|i'?m|i\s+am|is\s+(?:my|the)\s+\w+|when(?:'s|\s+is|\s+am|\s+are)?)\b[^.?!]*\b(?:free|available|open|unbooked|not\s+busy)(?![a-z])/,
  /^when\s+(?:can|could|should|do|would)\s+(?:i|we)\b/,
  /^when\s+(?:can|could|should|would|are|is|will|do)\s+[^.?!]*?\b(?:and|&)\s+(?:i|me)\b/,
  /\bfind\b[^.?!]*\b(?:time|slots?|hours?|minutes?|mins?|windows?|gaps?|openings?|blocks?|spots?|free|availability)(?![a-z])/,
  /\b(?:open|available|free)\s+(?:slots?|times?|windows?|blocks?|spots?)(?![a-z])/,
  /\bavailability\b/,
  /\b(?:good|best|free)\s+time\s+(?:for|to)\b/,
  /\bis\s+there\s+(?:any\s+|enough\s+)?(?:free\s+)?time\b/,
  /\b(?:have|got)\s+(?:any\s+|enough\s+)?time\s+(?:for|to)\b/,
  /\b(?:search|look)\s+(?:for\s+)?[^.?!]*\b(?:slots?|windows?|openings?|gaps?|free\s+time)(?![a-z])/,
  /\b(?:hours?|minutes?|mins?)\s+(?:free|open)(?![a-z])/,
  /^(?:is|are)\b[^.?!]*\b(?:free|available|open)(?![a-z])/,
  /\b(?:gaps?|openings?)\s+in\s+(?:my|the)\b/,
  /\b(?:do|have)\s+i\s+(?:have|got)\s+(?:any\s+)?(?:free\s+)?time\b/,
];

const LIST = [
  /\bwhat(?:'s|s|\s+is|\s+are)\s+(?:on|happening|planned|scheduled|booked|coming\s+up|up\s+next|next)(?![a-z])(?!\s+(?:tv|netflix|the\s+(?:menu|news|radio|tv)|your\s+mind))/,
  /\bwhat(?:'s|s|\s+is|\s+are)\s+(?:on\s+)?(?:my|the)\s+(?:calendar|schedule|agenda|plans?|day|week|weekend|morning|afternoon|evening|diary|plate|lineup|line-up)/,
  /\bwhat\b[^.?!]*\b(?:do|did|have|will|am)\s+i\s+(?:have|got|get|doing|got\s+on|planned|scheduled|booked)(?![a-z])/,
  /\bwhat\s+(?:meetings?|events?|appointments?|plans?|calls?)\b/,
  /^(?:show|list|display|view|see|read|pull\s+up|open|bring\s+up)\b[^.?!]*\b(?:calendar|schedule|agenda|events?|meetings?|appointments?|plans?|diary|day|week|weekend|month|today|tomorrow|tonight|busy|on)(?![a-z])/,
  /^(?:check|get|give|tell)\s+(?:me\s+)?(?:my|the|what|what's|if|whether)\b[^.?!]*\b(?:calendar|schedule|agenda|events?|meetings?|appointments?|plans?|diary|day|week|weekend|month|today|tomorrow|tonight|busy|on)(?![a-z])/,
  /\bagenda\b/,
  /\bwhat(?:'s|s|\s+is)\s+up\s+(?:for\s+)?(?:today|tomorrow|tonight|this|next|on)\b/,
  /\b(?:do|did|will)\s+i\s+have\s+(?:anything|any|something|a|an|plans|meetings?|events?|appointments?|stuff)(?![a-z])/,
  /\b(?:have\s+i\s+got|i\s+got)\s+(?:anything|any)\b/,
  /\bam\s+i\s+(?:busy|booked|doing\s+anything|scheduled)\b/,
  /^(?:any|anything)\b/,
  /\bis\s+there\s+(?:anything|something|a|an|any)\b/,
  /\bhow\s+(?:does|do|is|'s)\s+[^.?!]*\blook/,
  /\bhow'?s\s+[^.?!]*\blook/,
  /\bhow\s+(?:busy|packed|full)\b/,
  /\bwhat\s+(?:does|do|will)\s+[^.?!]*\blook\s+like\b/,
  /\bhow\s+many\s+(?:meetings?|events?|appointments?|calls?)\b/,
  /^(?:my\s+)?(?:calendar|schedule|agenda|events|meetings|appointments)\s+(?:for|on|this|next|today|tomorrow)\b/,
  /^(?:today|tomorrow|tonight)'?s?\s+(?:schedule|agenda|events|meetings|appointments|plans|calendar)\b/,
];

const QUESTION =
  /^(?:what|what's|whats|who|who's|whom|whose|why|how|how's|where|where's|when|when's|which|is|are|was|were|do|does|did|will|would|should|could|can|may|shall|tell\s+me|explain|define|describe)(?![a-z'])/;

/** Decides the kind of a request (text already stripped of courtesy). */
export function classify(text: string): Classified {
  const t = text.toLowerCase();
  const unknown: Classified = { kind: 'unknown', body: text };
  if (!/[a-z0-9]/.test(t)) return unknown;
  const afterSorry = t.replace(UNDO_LEAD, '');
  if (UNDO.some((re) => re.test(afterSorry))) return { kind: 'undo', body: text };
  if (BULK.some((re) => re.test(t))) return { kind: 'bulk_cancel', body: text };
  if (INVITE_START.test(t) && readInvite(text)) return { kind: 'invite', body: text };

  const move = MOVE_VERB.exec(t);
  if (move) {
    let rest = text.slice(move[0].length).trimStart();
    let verb = move[0];
    const particle = MOVE_PARTICLE.exec(rest.toLowerCase());
    if (particle) {
      rest = rest.slice(particle[0].length);
      verb = `${verb} ${particle[0].trim()}`;
    }
    return { kind: 'move', body: rest, verb };
  }
  // "put the standup back an hour": a relative move, not a create.
  if (PUT_BACK.test(t)) return { kind: 'move', body: text.slice(4).trimStart(), verb: 'put back' };
  // "make the standup 30 minutes later": a relative move.
  if (MAKE_SHIFT.test(t)) return { kind: 'move', body: text.slice(5).trimStart(), verb: 'make' };
  // "make it 30 minutes": a new length for an existing event.
  const resize = RESIZE.exec(t);
  if (resize && !/\s(?:for|at|on|in|with)$/.test(resize[1])) {
    const at = t.indexOf(resize[1]);
    return {
      kind: 'resize',
      body: text.slice(at, at + resize[1].length),
      verb: text.slice(at + resize[1].length),
    };
  }
  const cancel = CANCEL_VERB.exec(t);
  if (cancel) return { kind: 'cancel', body: text.slice(cancel[0].length).trimStart() };

  if (/\b(?:set|create|start)\s+(?:an?|my|the)\s+(?:alarm|timer)\b/.test(t)) return unknown;
  if (CREATE_VERB.test(t)) return { kind: 'create', body: text };
  if ((CHECK.some((re) => re.test(t)) || readCheckSubject(text)) && !FIND_NOT_CHECK.test(t))
    return { kind: 'check', body: text };
  if (FIND_FREE.some((re) => re.test(t))) return { kind: 'find_free', body: text };
  if (NON_CALENDAR.test(t)) return unknown;
  if (LIST.some((re) => re.test(t))) return { kind: 'list', body: text };
  if (SMALL_TALK.test(t)) return unknown;
  if (QUESTION.test(t)) return unknown;
  return { kind: 'create', body: text };
}
