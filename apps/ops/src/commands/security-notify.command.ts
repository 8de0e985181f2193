import { ValidationError } from '@app/common';
import { redactUrlPath } from '@app/security';
import { SecurityNotifier, SEVERITIES, Severity } from '../notify/security-notifier.service';
import { Option, SubCommand } from 'nest-commander';
import { AuditedAction } from '../cli/ops-audit';
import { EXIT } from '../cli/exit-codes';
import { Output } from '../cli/output';
import { JsonFlagCommand, JsonFlags } from '../cli/ops-command';

interface Flags extends JsonFlags {
  severity?: string;
  summary?: string;
  evidence?: string;
  dryRun?: boolean;
  url?: string;
}

@AuditedAction<Flags>({ when: (f) => !f.dryRun })
@SubCommand({
  name: 'notify',
  description:
    'post a security alert to the Slack-compatible webhook (SECURITY_WEBHOOK_URL or --url), 3 attempts with backoff; --dry-run prints it instead. Exit 2 without a URL.',
})
export class SecurityNotifyCommand extends JsonFlagCommand {
  constructor(private readonly notifier: SecurityNotifier) {
    super();
  }

  async run(_args: string[], flags: Flags): Promise<void> {
    const out = new Output(!!flags.json);
    if (!flags.severity || !SEVERITIES.includes(flags.severity as Severity)) {
      throw new ValidationError(`--severity must be one of ${SEVERITIES.join(', ')}`);
    }
    const payload = await this.notifier.payload({
      severity: flags.severity as Severity,
      summary: flags.summary ?? '',
      ...(flags.evidence ? { evidence: flags.evidence } : {}),
    });
    const url = flags.url ?? this.notifier.configuredUrl;
    if (url !== undefined) checkUrl(url);

    if (flags.dryRun) {
      out.line(`dry run: would POST to ${url ? redactUrlPath(url) : '(no webhook configured)'}:`);
      out.line(JSON.stringify(payload, null, 2));
      out.result({ ok: true, dryRun: true, target: url ? redactUrlPath(url) : null, payload });
      process.exitCode = EXIT.ok;
      return;
    }
    if (!url)
      throw new ValidationError('no webhook: set SECURITY_WEBHOOK_URL or pass --url (or use --dry-run)');

    const result = await this.notifier.send(payload, url, (a, willRetry) => {
      if (!a.status || a.status >= 300)
        out.progress(
          `attempt ${a.attempt}: ${a.error ?? `HTTP ${a.status}`}${willRetry ? ' — retrying' : ''}`,
        );
    });
    out.line(
      result.delivered
        ? `sent to ${result.target} (attempt ${result.attempts.length}, HTTP ${result.attempts[result.attempts.length - 1].status})`
        : `NOT sent to ${result.target}: ${result.error}`,
    );
    out.result({ ok: result.delivered, dryRun: false, ...result });
    process.exitCode = result.delivered ? EXIT.ok : EXIT.checkFailed;
  }

  @Option({ flags: '--severity <level>', description: `one of ${SEVERITIES.join(', ')} (required)` })
  parseSeverity(value: string): string {
    return value;
  }

  @Option({ flags: '--summary <text>', description: 'what happened, one or two sentences (required)' })
  parseSummary(value: string): string {
    return value;
  }

  @Option({
    flags: '--evidence <file>',
    description: 'an evidence archive to reference by name, size and SHA-256 (not uploaded)',
  })
  parseEvidence(value: string): string {
    return value;
  }

  @Option({ flags: '--dry-run', description: 'print the message instead of sending it' })
  parseDryRun(): boolean {
    return true;
  }

  @Option({ flags: '--url <url>', description: 'the webhook to post to instead of SECURITY_WEBHOOK_URL' })
  parseUrl(value: string): string {
    return value;
  }
}

function checkUrl(url: string): void {
  let ok = false;
  try {
    ok = ['http:', 'https:'].includes(new URL(url).protocol);
  } catch {
    ok = false;
  }
  if (!ok) throw new ValidationError('the webhook URL must start with http:// or https://');
}
