/** A small Markdown reader for docs/runbook.md: headings, sections, code blocks, inline code, links. */

export interface Heading {
  level: number;
  text: string;
  /** The id GitHub gives the heading (with -1, -2 … for repeats), i.e. the `#anchor` of a link. */
  anchor: string;
  line: number;
}

export interface CodeBlock {
  lang: string;
  /** Lines of the block, with `\`-continued lines joined into one. */
  lines: { text: string; line: number }[];
  /** The block's text as written. */
  text: string;
  line: number;
}

export interface Section {
  heading: Heading;
  /** The Markdown between this heading and the next heading of the same or a higher level. */
  body: string;
  codeBlocks: CodeBlock[];
}

export interface MarkdownDoc {
  headings: Heading[];
  codeBlocks: CodeBlock[];
  /** `inline code` spans outside code blocks. */
  inlineCode: { text: string; line: number }[];
  /** Targets of `[text](#anchor)` links. */
  anchorLinks: { anchor: string; line: number }[];
  sections: Section[];
}

/** GitHub's heading id: lower case, punctuation dropped, spaces to hyphens (the one implementation of it). */
export function githubAnchor(heading: string): string {
  const text = heading
    .trim()
    .toLowerCase()
    .replace(/`|\*\*|__/g, '')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1');
  return text.replace(/[^\p{L}\p{N}_\- ]/gu, '').replace(/ /g, '-');
}

export function parseMarkdown(md: string): MarkdownDoc {
  const lines = md.split('\n');
  const headings: Heading[] = [];
  const codeBlocks: CodeBlock[] = [];
  const inlineCode: MarkdownDoc['inlineCode'] = [];
  const anchorLinks: MarkdownDoc['anchorLinks'] = [];
  const seen = new Map<string, number>();
  let block: { lang: string; start: number; raw: string[]; indent: number } | null = null;

  lines.forEach((raw, i) => {
    const lineNo = i + 1;
    const fence = raw.match(/^(\s*)```\s*([\w-]*)\s*$/);
    if (block) {
      if (fence && fence[1].length <= block.indent + 3 && !fence[2]) {
        codeBlocks.push(toCodeBlock(block.lang, block.start, block.raw, block.indent));
        block = null;
      } else block.raw.push(raw);
      return;
    }
    if (fence) {
      block = { lang: fence[2].toLowerCase(), start: lineNo, raw: [], indent: fence[1].length };
      return;
    }
    const h = raw.match(/^(#{1,6})\s+(.*?)\s*#*\s*$/);
    if (h) {
      const base = githubAnchor(h[2]);
      const n = seen.get(base) ?? 0;
      seen.set(base, n + 1);
      headings.push({
        level: h[1].length,
        text: h[2],
        anchor: n === 0 ? base : `${base}-${n}`,
        line: lineNo,
      });
    }
    for (const m of raw.matchAll(/(`+)(.+?)\1/g)) inlineCode.push({ text: m[2].trim(), line: lineNo });
    for (const m of raw.replace(/`[^`]*`/g, '').matchAll(/\]\(#([^)\s]+)\)/g))
      anchorLinks.push({ anchor: m[1], line: lineNo });
  });
  if (block) throw new Error(`unclosed code block opened on line ${(block as { start: number }).start}`);

  const sections = headings.map((heading, idx) => {
    const next = headings.slice(idx + 1).find((h) => h.level <= heading.level);
    const endLine = next ? next.line - 1 : lines.length;
    return {
      heading,
      body: lines.slice(heading.line, endLine).join('\n'),
      codeBlocks: codeBlocks.filter((b) => b.line > heading.line && b.line <= endLine),
    };
  });
  return { headings, codeBlocks, inlineCode, anchorLinks, sections };
}

function toCodeBlock(lang: string, start: number, raw: string[], indent: number): CodeBlock {
  const dedented = raw.map((l) => (l.slice(0, indent).trim() === '' ? l.slice(indent) : l));
  const lines: CodeBlock['lines'] = [];
  let pending: { text: string; line: number } | null = null;
  dedented.forEach((l, i) => {
    const lineNo = start + 1 + i;
    const continued = /\\\s*$/.test(l);
    const text = l.replace(/\\\s*$/, ' ');
    pending = pending
      ? { text: pending.text + ' ' + text.trim(), line: pending.line }
      : { text, line: lineNo };
    if (!continued) {
      lines.push({ text: pending.text.trimEnd(), line: pending.line });
      pending = null;
    }
  });
  if (pending) lines.push(pending);
  return { lang, lines, text: dedented.join('\n'), line: start };
}
