import { DenyListService, deniedCidrsValuesYaml, helmUpgradeLine, SuspiciousIpsService } from '@app/security';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Option, SubCommand } from 'nest-commander';
import { AuditedAction } from '../cli/ops-audit';
import { formatDuration, parseDuration } from '../cli/durations';
import { EXIT } from '../cli/exit-codes';
import { Output } from '../cli/output';
import { JsonFlagCommand, JsonFlags } from '../cli/ops-command';
import { intOption, levelMark } from './check-shared';

interface Flags extends JsonFlags {
  since?: string;
  threshold?: string;
  block?: boolean;
  output?: string;
}

/** Where the values file goes by default: the path the runbook's old NetworkPolicy step named, so an old `kubectl apply -f` of it fails (it is no Kubernetes object) instead of widening ingress. */
export const DEFAULT_VALUES_FILE = 'k8s/network-policies/block-suspicious-ips.yaml';
const SOURCE = 'ops security suspicious-ips --block';

@AuditedAction<Flags>({ when: (f) => !!f.block, findingExit: true })
@SubCommand({
  name: 'suspicious-ips',
  description:
    'addresses with many auth failures, 404s or rate-limit refusals in the audit log; --block adds them to the API deny list and writes the chart networkPolicy.deniedCIDRs values file. Exit 1 when any is found.',
})
export class SecuritySuspiciousIpsCommand extends JsonFlagCommand {
  constructor(
    private readonly suspicious: SuspiciousIpsService,
    private readonly denyList: DenyListService,
  ) {
    super();
  }

  async run(_args: string[], flags: Flags): Promise<void> {
    const out = new Output(!!flags.json);
    const sinceMs = parseDuration(flags.since ?? '1h', '--since');
    const threshold = intOption(flags.threshold, '--threshold', 1, 10);
    const report = await this.suspicious.find({ sinceMs, threshold });

    out.line(
      `audit log, last ${formatDuration(sinceMs)}: ${report.addresses} address(es) with security events ` +
        `(auth failures ${report.totals.auth_failure}, 404s ${report.totals.not_found}, rate-limited ${report.totals.rate_limited}, blocked ${report.totals.blocked_ip})`,
    );
    if (report.denyListError)
      out.line(`[${levelMark('warn')}] the deny list could not be read: ${report.denyListError}`);
    if (report.suspicious.length === 0) out.line(`no address reached ${threshold} suspicious events`);
    else {
      out.line(
        `${report.suspicious.length} suspicious address(es) (${threshold}+ auth failures, 404s and rate-limit refusals):`,
      );
      out.line(
        `  ${'address'.padEnd(39)} ${'score'.padStart(6)} ${'auth'.padStart(6)} ${'404'.padStart(6)} ${'429'.padStart(6)}  last seen                 status`,
      );
      for (const s of report.suspicious) {
        const status = s.denied
          ? 'denied'
          : !s.blockable
            ? 'not an address'
            : s.internal
              ? 'internal address'
              : '';
        out.line(
          `  ${s.ip.padEnd(39)} ${String(s.score).padStart(6)} ${String(s.counts.auth_failure).padStart(6)} ${String(s.counts.not_found).padStart(6)} ${String(s.counts.rate_limited).padStart(6)}  ${(s.lastSeen ?? '').padEnd(25)} ${status}`,
        );
      }
    }

    let added: string[] = [];
    let valuesFile: string | null = null;
    if (flags.block) {
      added = await this.suspicious.block(report, SOURCE);
      out.line(
        added.length ? `added to the deny list: ${added.join(', ')}` : 'deny list: nothing new to add',
      );
      const internal = report.suspicious.filter((s) => added.includes(s.ip) && s.internal).map((s) => s.ip);
      if (internal.length)
        out.line(
          `[${levelMark('warn')}] ${internal.join(', ')}: loopback/private — if that is a proxy or node, every client behind it is now blocked (check TRUST_PROXY; undo with \`ops security deny-list --remove <ip>\`)`,
        );
    }
    if (flags.block || flags.output) {
      // The file lists the whole deny list: applying it replaces the previous deniedCIDRs.
      const listed = (await this.denyList.list()).map((e) => e.ip);
      const ips = flags.block
        ? listed
        : [...new Set([...listed, ...report.suspicious.filter((s) => s.blockable).map((s) => s.ip)])];
      valuesFile = path.resolve(flags.output ?? DEFAULT_VALUES_FILE);
      await mkdir(path.dirname(valuesFile), { recursive: true });
      await writeFile(
        valuesFile,
        deniedCidrsValuesYaml(ips, new Date(), flags.block ? SOURCE : 'ops security suspicious-ips --output'),
      );
      out.line(
        `networkPolicy.deniedCIDRs with ${ips.length} address(es) written to ${valuesFile}; apply it to the chart's NetworkPolicy (only narrows; not for kubectl apply):`,
      );
      out.line(`  ${helmUpgradeLine(valuesFile)}`);
      out.line(
        "  it blocks only the chart's networkPolicy.ingress.cidrs allows; through the ingress controller the API deny list blocks (config.trustProxy=true)",
      );
    }

    out.result({ ok: report.suspicious.length === 0, ...report, blocked: added, valuesFile });
    process.exitCode = report.suspicious.length ? EXIT.checkFailed : EXIT.ok;
  }

  @Option({ flags: '--since <duration>', description: 'how far back to look, e.g. 15m, 1h, 7d (default 1h)' })
  parseSince(value: string): string {
    return value;
  }

  @Option({
    flags: '--threshold <n>',
    description: 'auth failures + 404s + rate-limit refusals that make an address suspicious (default 10)',
  })
  parseThreshold(value: string): string {
    return value;
  }

  @Option({
    flags: '--block',
    description:
      "add the suspicious addresses to the API's deny list (Redis; in force within 2 s) and write the chart values file that takes them out of its NetworkPolicy",
  })
  parseBlock(): boolean {
    return true;
  }

  @Option({
    flags: '--output <file>',
    description: `where to write the values file for helm upgrade (default ${DEFAULT_VALUES_FILE}); alone, writes it for review without blocking`,
  })
  parseOutput(value: string): string {
    return value;
  }
}
