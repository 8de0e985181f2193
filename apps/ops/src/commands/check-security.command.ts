import { SecurityCheckService } from '@app/security';
import { SubCommand } from 'nest-commander';
import { Output } from '../cli/output';
import { exitCodeFor, levelMark, StrictCheckCommand, StrictFlags } from './check-shared';

@SubCommand({
  name: 'security',
  description:
    'configuration audit: JWT secret strength, MongoDB/Redis TLS and credentials, CORS, rate limit, proxy, webhook, deny list, admin accounts; exit 1 on a failure (warnings too with --strict). Never prints a secret.',
})
export class CheckSecurityCommand extends StrictCheckCommand {
  constructor(private readonly security: SecurityCheckService) {
    super();
  }

  async run(_args: string[], flags: StrictFlags): Promise<void> {
    const out = new Output(!!flags.json);
    const findings = await this.security.run();
    for (const f of findings) out.line(`[${levelMark(f.status)}] ${f.check.padEnd(17)} ${f.message}`);
    const count = (s: string) => findings.filter((f) => f.status === s).length;
    out.line(`${count('fail')} failed, ${count('warn')} warning(s)`);
    out.result({
      ok: count('fail') === 0 && (!flags.strict || count('warn') === 0),
      strict: !!flags.strict,
      findings,
    });
    process.exitCode = exitCodeFor(
      findings.map((f) => f.status),
      !!flags.strict,
    );
  }
}
