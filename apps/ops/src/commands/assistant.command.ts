import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { ValidationError } from '@app/common';
import {
  AssistantInterpreter,
  comparePlan,
  InterpreterMode,
  parseCases,
  Plan,
  PlanCase,
} from '@app/assistant';
import { Command, Option, SubCommand } from 'nest-commander';
import { EXIT } from '../cli/exit-codes';
import { Output } from '../cli/output';
import { CommandGroup, OpsCommand } from '../cli/ops-command';

const MODES: readonly InterpreterMode[] = ['auto', 'offline', 'llm'];
const UNKNOWN_PLAN: Plan = {
  intent: 'unknown',
  event: null,
  target: null,
  window: null,
  durationMinutes: null,
};
const MAX_TEXT = 1000;

function parseMode(value: string): InterpreterMode {
  if (!MODES.includes(value as InterpreterMode)) {
    throw new ValidationError(`--interpreter must be one of ${MODES.join(', ')} (got "${value}")`);
  }
  return value as InterpreterMode;
}

interface InterpretOptions {
  interpreter?: InterpreterMode;
}

/**
 * `ops assistant interpret`: JSON lines `{id, text, now, timeZone}` on stdin → one JSON line
 * `{id, plan}` per input line on stdout, in order, and nothing else on stdout (a line that cannot
 * be read gets the `unknown` plan and an `error`). The offline interpreter by default — no
 * database, no cache, no network (shared/assistant/CONTRACT.md); `--interpreter auto` uses the LLM
 * when OPENAI_API_KEY is set.
 */
@SubCommand({
  name: 'interpret',
  description: 'read JSON lines {id, text, now, timeZone} on stdin, write {id, plan} per line on stdout',
})
export class AssistantInterpretCommand extends OpsCommand {
  constructor(private readonly interpreter: AssistantInterpreter) {
    super();
  }

  async run(_args: string[], options: InterpretOptions): Promise<void> {
    const mode = options.interpreter ?? 'offline';
    this.interpreter.select(mode);
    const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
    for await (const line of lines) {
      if (!line.trim()) continue;
      const row = JSON.stringify(await this.interpretLine(line, mode)) + '\n';
      if (!process.stdout.write(row)) await once(process.stdout, 'drain');
    }
  }

  private async interpretLine(
    line: string,
    mode: InterpreterMode,
  ): Promise<{ id: unknown; plan: Plan; error?: string }> {
    let input: Record<string, unknown>;
    try {
      const parsed = JSON.parse(line) as unknown;
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
        throw new Error('not a JSON object');
      input = parsed as Record<string, unknown>;
    } catch (err) {
      return { id: null, plan: UNKNOWN_PLAN, error: `unreadable line: ${(err as Error).message}` };
    }
    const id = input.id ?? null;
    const request = {
      text: typeof input.text === 'string' ? input.text.slice(0, MAX_TEXT) : input.text,
      now: input.now,
      timeZone: input.timeZone,
    } as { text: string; now: string; timeZone: string };
    try {
      const result = await this.interpreter.interpret(request, {}, mode);
      return { id, plan: result.plan };
    } catch (err) {
      return { id, plan: UNKNOWN_PLAN, error: (err as Error).message };
    }
  }

  @Option({
    flags: '--interpreter <name>',
    description: 'offline (default), auto (LLM when configured) or llm',
  })
  parseInterpreter(value: string): InterpreterMode {
    return parseMode(value);
  }
}

interface EvalOptions {
  file?: string;
  json?: boolean;
  min?: number;
  interpreter?: InterpreterMode;
}

interface IntentScore {
  cases: number;
  passed: number;
  accuracy: number;
}

/**
 * `ops assistant eval --file CASES.jsonl`: runs a case file (the format of
 * shared/assistant/sample.jsonl, with `expect`) through the configured interpreter and reports the
 * accuracy per expected intent and every failure, compared the way score.mjs compares (times as
 * instants, titles normalised, RRULE parts in any order). Exit 1 below `--min`.
 */
@SubCommand({
  name: 'eval',
  description: 'score the configured interpreter on a JSONL case file; exit 1 when accuracy is below --min',
})
export class AssistantEvalCommand extends OpsCommand {
  constructor(private readonly interpreter: AssistantInterpreter) {
    super();
  }

  async run(_args: string[], options: EvalOptions): Promise<void> {
    const out = new Output(!!options.json);
    if (!options.file) throw new ValidationError('--file CASES.jsonl is required');
    const min = options.min ?? 0.95;
    const mode = options.interpreter ?? 'auto';
    const used = this.interpreter.select(mode);
    let cases: PlanCase[];
    try {
      cases = parseCases(readFileSync(options.file, 'utf8'));
    } catch (err) {
      throw new ValidationError(`cannot read ${options.file}: ${(err as Error).message}`);
    }
    if (cases.length === 0) throw new ValidationError(`${options.file} holds no cases`);

    const intents = new Map<string, IntentScore>();
    const failures: { id: string; text: string; problems: string[]; plan: Plan | null }[] = [];
    const fallbacks = new Map<string, number>();
    let passed = 0;
    for (const c of cases) {
      const intent = String((c.expect as { intent?: unknown }).intent ?? '(none)');
      const score = intents.get(intent) ?? { cases: 0, passed: 0, accuracy: 0 };
      score.cases++;
      let plan: Plan | null = null;
      let problems: string[];
      try {
        const result = await this.interpreter.interpret(
          { text: c.text, now: c.now, timeZone: c.timeZone },
          {},
          mode,
        );
        plan = result.plan;
        if (result.fallbackReason)
          fallbacks.set(result.fallbackReason, (fallbacks.get(result.fallbackReason) ?? 0) + 1);
        problems = comparePlan(c.expect, plan);
      } catch (err) {
        problems = [`error: ${(err as Error).message}`];
      }
      if (problems.length === 0) {
        passed++;
        score.passed++;
      } else {
        failures.push({ id: c.id, text: c.text, problems, plan });
      }
      intents.set(intent, score);
    }
    for (const score of intents.values()) score.accuracy = score.passed / score.cases;
    const accuracy = passed / cases.length;
    const ok = accuracy >= min;

    out.line(`interpreter: ${used}${used === 'llm' ? ` (${this.interpreter.llmModel})` : ''}`);
    out.line(
      `${'intent'.padEnd(10)} ${'cases'.padStart(5)} ${'passed'.padStart(6)} ${'accuracy'.padStart(8)}`,
    );
    for (const [intent, s] of [...intents.entries()].sort(([a], [b]) => a.localeCompare(b))) {
      out.line(
        `${intent.padEnd(10)} ${String(s.cases).padStart(5)} ${String(s.passed).padStart(6)} ${pct(s.accuracy).padStart(8)}`,
      );
    }
    out.line(
      `${'overall'.padEnd(10)} ${String(cases.length).padStart(5)} ${String(passed).padStart(6)} ${pct(accuracy).padStart(8)}`,
    );
    if (fallbacks.size)
      out.line(`LLM fallbacks: ${[...fallbacks.entries()].map(([r, n]) => `${r} ${n}`).join(', ')}`);
    for (const f of failures) out.line(`FAIL ${f.id} "${f.text}": ${f.problems.join('; ')}`);
    out.line(`${ok ? 'ok' : 'below the minimum'}: ${pct(accuracy)} (minimum ${pct(min)})`);
    out.result({
      interpreter: used,
      model: used === 'llm' ? this.interpreter.llmModel : null,
      total: cases.length,
      passed,
      accuracy,
      min,
      ok,
      intents: Object.fromEntries(intents),
      fallbacks: Object.fromEntries(fallbacks),
      failures,
    });
    process.exitCode = ok ? EXIT.ok : EXIT.checkFailed;
  }

  @Option({ flags: '--file <path>', description: 'JSONL cases {id, text, now, timeZone, expect} (required)' })
  parseFile(value: string): string {
    return value;
  }

  @Option({ flags: '--min <ratio>', description: 'lowest passing accuracy, 0–1 (default 0.95)' })
  parseMin(value: string): number {
    const n = Number(value);
    if (!Number.isFinite(n) || n < 0 || n > 1)
      throw new ValidationError(`--min must be a number from 0 to 1 (got "${value}")`);
    return n;
  }

  @Option({
    flags: '--interpreter <name>',
    description: 'auto (default: LLM when configured, else offline), offline or llm',
  })
  parseInterpreter(value: string): InterpreterMode {
    return parseMode(value);
  }

  @Option({ flags: '--json', description: 'print JSON for machines' })
  parseJson(): boolean {
    return true;
  }
}

const pct = (ratio: number) => `${(ratio * 100).toFixed(1)}%`;

@Command({
  name: 'assistant',
  description: 'the assistant interpreter: interpret (JSON lines), eval (accuracy on a case file)',
  subCommands: [AssistantInterpretCommand, AssistantEvalCommand],
})
export class AssistantCommand extends CommandGroup {}
