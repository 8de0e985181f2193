import { Command, Option } from 'nest-commander';
import { Output } from '../cli/output';
import { JsonFlagCommand, JsonFlags } from '../cli/ops-command';
import { loadOncall } from './oncall.contacts';

interface OncallFlags extends JsonFlags {
  values?: string;
}

@Command({
  name: 'oncall',
  description:
    'who to call, level by level (primary, secondary, DBA, architect, CTO), from the chart values oncall.*',
})
export class OncallCommand extends JsonFlagCommand {
  @Option({
    flags: '--values <file>',
    description:
      'a chart values file (default: ONCALL_CONTACTS in a pod, else charts/calendar-assistant/values.yaml)',
  })
  parseValues(value: string): string {
    return value;
  }

  async run(_args: string[], flags: OncallFlags): Promise<void> {
    const out = new Output(!!flags.json);
    const { source, contacts } = loadOncall(process.env, flags.values);
    out.line(`on-call escalation path (from ${source}):`);
    for (const [i, c] of contacts.entries())
      out.line(
        `${i + 1}. ${c.level.padEnd(9)} +${String(c.escalateAfterMinutes).padStart(3)} min  ${c.name}` +
          `  pager ${c.pager}  chat ${c.chat}  phone ${c.phone}${c.placeholder ? '  (PLACEHOLDER: set oncall.' + c.level + ' in the values)' : ''}`,
      );
    out.result({ source, levels: contacts });
    await Promise.resolve();
  }
}
