import { normalizeIp, ValidationError } from '@app/common';
import { DENY_LIST_REFRESH_MS, DenyListService } from '@app/security';
import { SubCommand } from 'nest-commander';
import { AuditedAction } from '../cli/ops-audit';
import { EXIT } from '../cli/exit-codes';
import { Output } from '../cli/output';
import { JsonFlagCommand, JsonFlags } from '../cli/ops-command';

/** `ops security unblock IP…`: the runbook's name for `deny-list --remove`, on the same service. */
@AuditedAction()
@SubCommand({
  name: 'unblock',
  arguments: '<ip...>',
  description:
    "allow addresses again: removes them from the API's deny list (in force on every replica within 2 s)",
})
export class SecurityUnblockCommand extends JsonFlagCommand {
  constructor(private readonly denyList: DenyListService) {
    super();
  }

  async run(args: string[], flags: JsonFlags): Promise<void> {
    const out = new Output(!!flags.json);
    const ips = args
      .flatMap((a) => a.split(','))
      .map((s) => s.trim())
      .filter(Boolean);
    if (!ips.length) throw new ValidationError('name at least one IP address to unblock');
    const listed = new Set((await this.denyList.list()).map((e) => e.ip));
    const removed = await this.denyList.remove(ips);
    const notListed = ips.filter((ip) => !listed.has(normalizeIp(ip)));
    out.line(
      `unblocked ${removed} address(es); in force on every API replica within ${DENY_LIST_REFRESH_MS / 1000} s`,
    );
    if (notListed.length) out.line(`not on the deny list: ${notListed.join(', ')}`);
    out.result({ ok: true, removed, notListed });
    process.exitCode = EXIT.ok;
  }
}
