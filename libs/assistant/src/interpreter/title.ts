import { MaskedText } from './masked-text';

/**
 * What is left of a request once its time phrases are gone: the location ("at Blue Bottle",
 * "in Conference Room B") and the title, with scheduling words ("schedule", "add … to my
 * calendar", "remind me to") removed.
 */

/** "to my calendar", "on the calendar", "in my diary": consumed before looking for a location. */
const CALENDAR_PHRASE =
  /\b(?:to|on|in|into|onto|from|off|for)\s+(?:my|the|our)\s+(?:calendar|schedule|agenda|diary|cal)(?![a-z])|\b(?:to|on|in)\s+(?:calendar|cal)(?![a-z])/g;
const TRAILING_COURTESY =
  /(?:^|\s)(?:please|pls|plz|thanks|thank\s+you|thx|for\s+me|asap|if\s+possible|ok|okay)\s*[.!?]*\s*$/;

export function maskCalendarPhrases(text: MaskedText): void {
  text.scan(CALENDAR_PHRASE, () => true);
}

const LOCATION =
  /(^|[\s,(])(at|in|@)(\s+)([^\s\uE000,;!?()][^\uE000,;!?()]*?)(?=\s*(?:[\uE000,;!?()]|\.(?:\s|$)|$|\s+(?:with|for|about|regarding|re|to|and\s+then|so|because|starting|every|each|until|till|by)(?![a-z])))/g;
/** Words before "in"/"at" that make a phrasal verb, not a place ("check in with", "look at"). */
const VERB_BEFORE =
  /\b(?:check|checking|sign|log|drop|dial|call|calling|plug|fill|hand|turn|move|moving|phone|join|tune|settle|pop|swing|zoom|cash|factor|pencil|take|put|fit|squeeze|look|looking|stare|aim|laugh|smile|good|bad|great)\s*$/;
const NOT_A_PLACE =
  /^(?:person|least|most|once|all|first|last|time|advance|case|charge|progress|general|total|order|touch|full|length|detail|particular|private|public|the\s+(?:morning|afternoon|evening|night|meantime|end)|a\s+(?:bit|while|row|minute|moment|sec)|it|me|us|them|him|her|my|our|the|a|an|this|that|lunch|dinner|breakfast)$/;

/** Finds and consumes "at PLACE" / "in PLACE" (PLACE not a time or date); null when none. */
export function extractLocation(text: MaskedText): string | null {
  let place: string | null = null;
  text.scan(LOCATION, (m) => {
    if (place !== null) return false;
    const keywordAt = m.index + m[1].length;
    if (VERB_BEFORE.test(text.view.slice(0, keywordAt))) return false;
    const raw = m[4].trim().replace(/[.\s]+$/, '');
    if (!raw || NOT_A_PLACE.test(raw) || /^\d+$/.test(raw)) return false;
    const start = keywordAt + m[2].length + m[3].length;
    place = text.slice(start, start + raw.length).trim();
    text.mask(keywordAt, start + raw.length);
    return false;
  });
  return place;
}

// ── Titles ──────────────────────────────────────────────────────────────────────────────────────

const LEADING_REQUEST = new RegExp(
  '^(?:' +
    [
      "(?:please|pls|plz|kindly|just|also|and|then|now|ok(?:ay)?|hey|hi)(?![a-z'])",
      '(?:can|could|would|will)\\s+(?:you|u)',
      "i(?:'d|\\s+would)\\s+like\\s+(?:you\\s+)?to",
      '(?:i\\s+(?:want|need)|we\\s+need)\\s+(?:you\\s+)?to',
      "let'?s|let\\s+us|go\\s+ahead\\s+and|help\\s+me",
      "don'?t\\s+(?:let\\s+me\\s+)?forget\\s+(?:to|about)|remember\\s+to",
      'remind\\s+me\\s+(?:to|about|of|that)|remind\\s+me',
      '(?:set|add|create|make)\\s+(?:a|an|me\\s+a)\\s+reminder\\s*(?:to|for|about|that)?',
      '(?:a\\s+)?reminder\\s*(?:to|for|about|that|:)',
      '(?:add|schedule|create|make|put|set\\s+up|setup|book|plan|insert|enter)\\s+(?:a\\s+new\\s+|an\\s+|a\\s+|new\\s+)?(?:event|entry|calendar\\s+event|appointment|item)\\s*(?:called|named|titled|for|about|:)',
      '(?:a\\s+new\\s+|an\\s+|a\\s+|new\\s+)?(?:event|entry)\\s*(?:called|named|titled|for|about|:)',
      '(?:called|named|titled)',
      'add|schedule|book(?!\\s+club)|put|set\\s+up|setup|set|create|make|plan|arrange|organi[sz]e|reserve|pencil(?:\\s+in)?|insert|enter',
      'block(?:\\s+(?:off|out))?(?:\\s+(?:some\\s+)?time)?(?:\\s+(?:for|to))?',
      'hold(?:\\s+(?:some\\s+)?time)?(?:\\s+for)?',
      'new(?=\\s+(?:meeting|event|appointment|call|session))',
      "i\\s+have(?:\\s+got)?|i'?ve\\s+got|i\\s+got|i'?m\\s+having|we\\s+have|we'?re\\s+having|there'?s|there\\s+is|i'?ll\\s+be|i\\s+will\\s+be|i'?m",
      '(?:some\\s+)?time\\s+(?:for|to)',
    ].join('|') +
    ")(?![a-z'])[\\s,:;-]*",
  'i',
);
const LEADING_FILLER = /^(?:[\s,:;.!?"'\-–—]+|(?:an?|for|on|at|about|to|and|by|from|of)\s+)/i;
const TRAILING_FILLER =
  /(?:[\s,:;.!?"'\-–—]+|\s+(?:at|on|for|from|to|with|and|by|in|the|a|an|of|this|next|until|till|starting|beginning|around|about|is|that|which|between|every|each|scheduled|sometime|later|o'clock))$/i;

/** The title of a new event from what is left of the request. */
export function createTitle(remaining: string): string | null {
  let title = tidy(remaining);
  for (let i = 0; i < 8; i++) {
    const before = title;
    title = title.replace(LEADING_REQUEST, '');
    title = stripEnds(title);
    if (title === before) break;
  }
  title = title.replace(/^["']+|["']+$/g, '').trim();
  if (!/[\p{L}\p{N}]/u.test(title)) return null;
  return title.charAt(0).toUpperCase() + title.slice(1);
}

const TARGET_LEADING =
  /^(?:(?:my|the|our|this|that|a|an|upcoming|scheduled|existing)(?:\s+|$)|(?:time|date|day|slot|start)\s+(?:of|for)\s+|(?:event|meeting|appointment|entry|item)s?\s+(?:called|named|titled)\s+|(?:event|entry|item)(?=\s*["'])\s*|["']+)/i;
const TARGET_TRAILING = /\s+(?:back|forward|ahead|out|up|over|off|along|event|again)$/i;
const NOT_A_TARGET = /^(?:it|that|this|one|them|event|thing|something|everything|anything)$/i;

/** The words naming an existing event (for moves and cancels). */
export function targetTitle(remaining: string): string | null {
  let title = tidy(remaining);
  for (let i = 0; i < 8; i++) {
    const before = title;
    title = stripEnds(title).replace(TARGET_LEADING, '').replace(TARGET_TRAILING, '');
    if (title === before) break;
  }
  title = title.replace(/^["']+|["']+$/g, '').trim();
  if (!/[\p{L}\p{N}]/u.test(title) || NOT_A_TARGET.test(title)) return null;
  return title;
}

function tidy(text: string): string {
  return text
    .replace(/\s+/g, ' ')
    .replace(/\s+([,.;:!?])/g, '$1')
    .replace(TRAILING_COURTESY, '')
    .trim();
}

function stripEnds(text: string): string {
  let t = text.trim();
  for (let i = 0; i < 12; i++) {
    const next = t
      .replace(LEADING_FILLER, '')
      .replace(TRAILING_FILLER, '')
      .replace(TRAILING_COURTESY, '')
      .trim();
    if (next === t) break;
    t = next;
  }
  return t;
}
