/**
 * Just enough of the POSIX shell grammar to read the commands of a runbook: words with quotes,
 * `$(…)` and escapes, split into simple commands at `|`, `||`, `&&`, `;` and `&`, redirections
 * dropped. Variables and substitutions are kept as written (they are placeholders to the tests).
 */

export type SimpleCommand = string[];

export function parseShell(line: string): SimpleCommand[] {
  const commands: SimpleCommand[] = [];
  let words: string[] = [];
  let word = '';
  let inWord = false;
  let skipNext = false; // the target of a `>` / `<` redirection
  const endWord = () => {
    if (!inWord) return;
    if (skipNext)
      skipNext = false; // the file of a redirection
    else if (/^\d*(>>?|<)$/.test(word))
      skipNext = true; // `>`, `2>`, `<` alone: the file follows
    else if (!/^\d*(>>?|<)/.test(word)) words.push(word); // `>file`, `2>&1` are dropped whole
    word = '';
    inWord = false;
  };
  const endCommand = () => {
    endWord();
    if (words.length) commands.push(words);
    words = [];
  };

  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '\\' && i + 1 < line.length) {
      word += line[++i];
      inWord = true;
    } else if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new Error(`unterminated ' in: ${line}`);
      word += line.slice(i + 1, end);
      inWord = true;
      i = end;
    } else if (c === '"') {
      let j = i + 1;
      let depth = 0;
      for (; j < line.length; j++) {
        if (line[j] === '\\') j++;
        else if (line.startsWith('$(', j)) depth++;
        else if (line[j] === ')' && depth > 0) depth--;
        else if (line[j] === '"' && depth === 0) break;
      }
      if (j >= line.length) throw new Error(`unterminated " in: ${line}`);
      word += line.slice(i + 1, j);
      inWord = true;
      i = j;
    } else if (c === '$' && line[i + 1] === '(') {
      let depth = 0;
      let j = i + 1;
      for (; j < line.length; j++) {
        if (line[j] === '(') depth++;
        else if (line[j] === ')' && --depth === 0) break;
      }
      word += line.slice(i, j + 1);
      inWord = true;
      i = j;
    } else if (c === '#' && !inWord) {
      break; // a comment
    } else if (/\s/.test(c)) {
      endWord();
    } else if (c === '|' || c === ';' || (c === '&' && !/[<>]$/.test(word))) {
      if ((c === '|' || c === '&') && line[i + 1] === c) i++;
      endCommand();
    } else {
      word += c;
      inWord = true;
    }
  }
  endCommand();
  return commands;
}

/** One `ops …` invocation found in a document. */
export interface OpsInvocation {
  /** The words after `ops`. */
  args: string[];
  /** How it was written. */
  source: string;
  line: number;
  /** `kubectl exec … -- ops`, `npm run ops --` or a bare `ops` at the start of a command. */
  via: 'kubectl' | 'npm' | 'ops';
}

/**
 * The ops CLI's arguments when a simple command runs it: `kubectl … exec … -- ops ARGS`,
 * `npm run [--silent] ops -- ARGS`, or `ops ARGS`. Undefined for any other command.
 */
export function opsArgs(words: SimpleCommand): { args: string[]; via: OpsInvocation['via'] } | undefined {
  if (words[0] === 'ops') return { args: words.slice(1), via: 'ops' };
  if (words[0] === 'npm' && words[1] === 'run') {
    const rest = words.slice(2).filter((w) => w !== '--silent' && w !== '-s');
    if (rest[0] === 'ops') return { args: rest[1] === '--' ? rest.slice(2) : rest.slice(1), via: 'npm' };
    return undefined;
  }
  if (words[0] === 'kubectl') {
    const dash = words.indexOf('--');
    if (dash > 0 && words[dash + 1] === 'ops') return { args: words.slice(dash + 2), via: 'kubectl' };
  }
  return undefined;
}

/** Every ops invocation in the given lines of shell. */
export function findOpsInvocations(lines: { text: string; line: number }[]): OpsInvocation[] {
  const found: OpsInvocation[] = [];
  for (const { text, line } of lines) {
    for (const words of parseShell(text)) {
      const hit = opsArgs(words);
      if (hit) found.push({ ...hit, source: text.trim(), line });
    }
  }
  return found;
}
