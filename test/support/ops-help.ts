import { runOps } from './cli';

/** What the built ops CLI says about a command line when `--help` is appended. */
export interface OpsHelp {
  /** The words it was asked about (before `--help`). */
  asked: string[];
  code: number | null;
  /** The command path commander resolved them to, e.g. ['backup', 'verify'] ([] for the root). */
  path: string[];
  /** True when the resolved command has subcommands (`[command]` in its usage). */
  group: boolean;
  /** Positional arguments of the resolved command, e.g. `<file>` or `[files...]`. */
  arguments: { name: string; required: boolean; variadic: boolean }[];
  /** Long and short options with whether they take a value. */
  options: Map<string, { value: 'required' | 'optional' | 'none' }>;
  text: string;
}

/** Runs `ops WORDS --help` and parses the usage line and the options of the help it prints. */
export async function opsHelp(words: string[], env: Record<string, string>): Promise<OpsHelp> {
  const res = await runOps([...words, '--help'], env);
  const text = res.stdout;
  const usage = text.match(/^Usage: \S+(.*)$/m);
  const tokens = usage ? usage[1].trim().split(/\s+/).filter(Boolean) : [];
  const firstSpecial = tokens.findIndex((t) => t.startsWith('[') || t.startsWith('<'));
  const path = firstSpecial < 0 ? tokens : tokens.slice(0, firstSpecial);
  const rest = firstSpecial < 0 ? [] : tokens.slice(firstSpecial);
  const options = new Map<string, { value: 'required' | 'optional' | 'none' }>();
  const optionsSection = text.split(/^Options:\s*$/m)[1]?.split(/^\S.*:\s*$/m)[0] ?? '';
  for (const line of optionsSection.split('\n')) {
    const m = line.match(/^ {2}((?:-\w, )?--[\w-]+)(?: ([<[])[^>\]]*[>\]])?/);
    if (!m) continue;
    const value = m[2] === '<' ? 'required' : m[2] === '[' ? 'optional' : 'none';
    for (const flag of m[1].split(', ')) options.set(flag, { value });
  }
  return {
    asked: words,
    code: res.code,
    path: usage ? path : [],
    group: rest.includes('[command]'),
    arguments: rest
      .filter((t) => t !== '[options]' && t !== '[command]')
      .map((t) => ({
        name: t.replace(/[[\]<>.]/g, ''),
        required: t.startsWith('<'),
        variadic: t.includes('...'),
      })),
    options,
    text: text + res.stderr,
  };
}

/** The words before the first option: the command path plus any positional arguments. */
export function leadingWords(args: string[]): string[] {
  const i = args.findIndex((a) => a.startsWith('-'));
  return i < 0 ? args : args.slice(0, i);
}

/**
 * Problems with running `ops ARGS`, judged from the help of `ops LEADING-WORDS --help`: an unknown
 * command or subcommand, a command group where a command is needed, too many or too few
 * positional arguments, an option the command does not have, an option value that is missing, or
 * a value given to a flag that takes none. Empty when the CLI would accept the line.
 */
export function opsProblems(args: string[], help: OpsHelp): string[] {
  const problems: string[] = [];
  const lead = leadingWords(args);
  if (help.code !== 0) return [`\`ops ${lead.join(' ')} --help\` exited ${help.code}: ${help.text.trim()}`];
  const resolved = help.path.join(' ');
  if (help.path.length > lead.length || help.path.some((w, i) => w !== lead[i]))
    return [`the CLI resolved \`${lead.join(' ')}\` to \`${resolved || '(root)'}\``];
  const extra = lead.slice(help.path.length);
  if (help.group)
    return [
      extra.length
        ? `\`${resolved || 'ops'}\` has no subcommand \`${extra[0]}\``
        : `\`${resolved || 'ops'}\` is a command group; name one of its commands`,
    ];
  const required = help.arguments.filter((a) => a.required).length;
  const variadic = help.arguments.some((a) => a.variadic);
  if (extra.length < required)
    problems.push(`\`${resolved}\` needs ${required} argument(s), got ${extra.length}`);
  if (!variadic && extra.length > help.arguments.length)
    problems.push(
      `\`${resolved}\` takes ${help.arguments.length} argument(s); unexpected: ${extra.join(' ')}`,
    );

  const rest = args.slice(lead.length);
  for (let i = 0; i < rest.length; i++) {
    const word = rest[i];
    if (!word.startsWith('-')) {
      problems.push(`\`${resolved}\`: stray argument \`${word}\` (not the value of an option)`);
      continue;
    }
    const [flag, inline] = word.includes('=')
      ? [word.slice(0, word.indexOf('=')), word.slice(word.indexOf('=') + 1)]
      : [word, undefined];
    const option = help.options.get(flag);
    if (!option) {
      problems.push(`\`${resolved}\` has no option ${flag}`);
      continue;
    }
    if (option.value === 'none' && inline !== undefined)
      problems.push(`\`${resolved}\`: ${flag} takes no value`);
    if (option.value === 'required' && inline === undefined) {
      const next = rest[i + 1];
      if (next === undefined || next.startsWith('-')) problems.push(`\`${resolved}\`: ${flag} needs a value`);
      else i++;
    }
    if (option.value === 'optional' && inline === undefined && rest[i + 1] && !rest[i + 1].startsWith('-'))
      i++;
  }
  return problems;
}

/** Runs `fn` over `items` with at most `limit` at a time, keeping the order of the results. */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
