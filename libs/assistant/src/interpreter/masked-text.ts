/**
 * The request text as the phrase rules see it: a lower-cased view of the same length as the
 * original, in which every phrase a rule has consumed is masked out so later rules (and the title)
 * no longer see it.
 */

/** Stands in for consumed characters: neither a word character nor whitespace. */
export const MASK = '\uE000';

/** Folds typographic quotes, dashes and spaces to ASCII, one character for one. */
export function foldPunctuation(text: string): string {
  return text
    .replace(/[\u2018\u2019\u02bc\u0060\u00b4]/g, "'")
    .replace(/[\u201c\u201d]/g, '"')
    .replace(/[\u2010-\u2015\u2212]/g, '-')
    .replace(/[\u00a0\u2000-\u200b\u202f\u3000\t\r\n]/g, ' ');
}

/** Lower-cases letters without changing the length of the string. */
function lowerSameLength(text: string): string {
  let out = '';
  for (const ch of text) {
    const lower = ch.toLowerCase();
    out += lower.length === ch.length ? lower : ch;
  }
  return out;
}

export class MaskedText {
  private lowered: string;

  constructor(readonly original: string) {
    this.lowered = lowerSameLength(original);
  }

  /** The lower-cased text with consumed phrases masked. */
  get view(): string {
    return this.lowered;
  }

  /** Consumes the characters start..end. */
  mask(start: number, end: number): void {
    if (end <= start) return;
    this.lowered = this.lowered.slice(0, start) + MASK.repeat(end - start) + this.lowered.slice(end);
  }

  /**
   * Runs a global regex over the current view and calls `accept` for each match; a match is
   * consumed when `accept` returns true.
   */
  scan(re: RegExp, accept: (m: RegExpExecArray) => boolean): void {
    const snapshot = this.lowered;
    re.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = re.exec(snapshot)) !== null) {
      if (m[0].length === 0) {
        re.lastIndex++;
        continue;
      }
      if (accept(m)) this.mask(m.index, m.index + m[0].length);
    }
  }

  /** The original characters that are still unconsumed, consumed runs replaced by `gap`. */
  remaining(gap = ' '): string {
    let out = '';
    let inGap = false;
    for (let i = 0; i < this.original.length; i++) {
      if (this.lowered[i] === MASK) {
        if (!inGap) out += gap;
        inGap = true;
      } else {
        out += this.original[i];
        inGap = false;
      }
    }
    return out;
  }

  /** The original text of a range. */
  slice(start: number, end: number): string {
    return this.original.slice(start, end);
  }
}
