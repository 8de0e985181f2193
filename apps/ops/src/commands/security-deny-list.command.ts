import { ValidationError } from '@app/common';
import { DENY_LIST_REFRESH_MS, DenyListService } from '@app/security';
import { Option, SubCommand } from 'nest-commander';
import { AuditedAction } from '../cli/ops-audit';
import { EXIT } from '../cli/exit-codes';
import { Output } from '../cli/output';
import { JsonFlagCommand, JsonFlags } from '../cli/ops-command';

interface Flags extends JsonFlags {
  add?: string[];
  remove?: string[];
  reason?: string;
}

const list = (value: string, previous: string[] = []) => [
  ...previous,
  ...value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
];

@AuditedAction<Flags>({ when: (f) => !!(f.add?.length || f.remove?.length) })
@SubCommand({
  name: 'deny-list',
  description:
    "show the API's IP deny list, or change it with --add / --remove (in force on every replica within 2 s)",
})
export class SecurityDenyListCommand extends JsonFlagCommand {
  constructor(private readonly denyList: DenyListService) {
    super();
  }

  async run(_args: string[], flags: Flags): Promise<void> {
    const out = new Output(!!flags.json);
    const add = flags.add ?? [];
    const remove = flags.remove ?? [];
    if (add.length && !flags.reason?.trim()) throw new ValidationError('--reason is required with --add');
    let added: string[] = [];
    let removed = 0;
    if (add.length)
      added = await this.denyList.add(add, flags.reason!.trim(), 'ops security deny-list --add');
    if (remove.length) removed = await this.denyList.remove(remove);
    if (add.length)
      out.line(`added ${added.length} address(es)${added.length ? `: ${added.join(', ')}` : ''}`);
    if (remove.length) out.line(`removed ${removed} of ${remove.length} address(es)`);
    if (add.length || remove.length)
      out.line(`in force on every API replica within ${DENY_LIST_REFRESH_MS / 1000} s`);

    const entries = await this.denyList.list();
    out.line(`${entries.length} denied address(es)${entries.length ? ':' : ''}`);
    for (const e of entries)
      out.line(`  ${e.ip.padEnd(39)} ${e.addedAt.padEnd(24)} ${e.reason}${e.source ? ` [${e.source}]` : ''}`);
    out.result({ ok: true, added, removed, entries });
    process.exitCode = EXIT.ok;
  }

  @Option({
    flags: '--add <ip>',
    description: 'deny an address (repeatable, or comma-separated); needs --reason',
  })
  parseAdd(value: string, previous?: string[]): string[] {
    return list(value, previous);
  }

  @Option({ flags: '--remove <ip>', description: 'allow an address again (repeatable, or comma-separated)' })
  parseRemove(value: string, previous?: string[]): string[] {
    return list(value, previous);
  }

  @Option({ flags: '--reason <text>', description: 'why the address is denied (stored with it)' })
  parseReason(value: string): string {
    return value;
  }
}
