import { ValidationError } from '@app/common';
import { EvidenceService } from '@app/security';
import { Option, SubCommand } from 'nest-commander';
import { AuditedAction } from '../cli/ops-audit';
import { formatDuration, parseDuration } from '../cli/durations';
import { EXIT } from '../cli/exit-codes';
import { mark, Output } from '../cli/output';
import { JsonFlagCommand, JsonFlags } from '../cli/ops-command';
import { bytes } from './check-shared';

interface Flags extends JsonFlags {
  output?: string;
  since?: string;
  verify?: string;
}

@AuditedAction()
@SubCommand({
  name: 'preserve-evidence',
  description:
    'archive the audit log, security events, deny list, redacted configuration and database/cache statistics as a .tar.gz with a SHA-256 manifest; --verify FILE checks one (exit 1 if anything does not match)',
})
export class SecurityPreserveEvidenceCommand extends JsonFlagCommand {
  constructor(private readonly evidence: EvidenceService) {
    super();
  }

  async run(_args: string[], flags: Flags): Promise<void> {
    const out = new Output(!!flags.json);
    if (flags.verify) return this.verify(out, flags.verify);
    if (!flags.output) throw new ValidationError('--output DIR is required (or --verify FILE)');
    const sinceMs = parseDuration(flags.since ?? '24h', '--since');
    const result = await this.evidence.preserve({
      outputDir: flags.output,
      sinceMs,
      onProgress: (m) => out.progress(m),
    });
    const { manifest } = result;
    out.line(`evidence for ${manifest.window.since} … ${manifest.window.until} (${formatDuration(sinceMs)})`);
    for (const f of manifest.files) {
      const error = manifest.errors.find((e) => e.file === f.name);
      out.line(
        `[${mark(!error)}] ${f.name.padEnd(22)} ${bytes(f.bytes).padStart(10)}  sha256 ${f.sha256}${error ? `  — ${error.error}` : ''}`,
      );
    }
    out.line(`archive: ${result.archive}`);
    out.line(`sha256:  ${result.sha256}  (written to ${result.sha256File})`);
    out.line(
      `${result.auditEvents} audit events${manifest.errors.length ? `; ${manifest.errors.length} part(s) could not be collected` : ''}`,
    );
    out.result({
      ok: manifest.errors.length === 0,
      archive: result.archive,
      sha256: result.sha256,
      sha256File: result.sha256File,
      auditEvents: result.auditEvents,
      manifest,
    });
    process.exitCode = manifest.errors.length ? EXIT.checkFailed : EXIT.ok;
  }

  private async verify(out: Output, file: string): Promise<void> {
    const report = await this.evidence.verify(file);
    out.line(`archive ${report.archive}`);
    out.line(
      report.expectedSha256 === null
        ? `[ -- ] sha256 ${report.sha256} (no ${file}.sha256 beside it to compare with)`
        : `[${mark(report.expectedSha256 === report.sha256)}] sha256 ${report.sha256}`,
    );
    for (const f of report.files) out.line(`[${mark(f.ok)}] ${f.name}`);
    for (const p of report.problems) out.line(`  ${p}`);
    out.line(
      report.ok
        ? `intact: ${report.files.length} files match the manifest`
        : `NOT intact: ${report.problems.length} problem(s)`,
    );
    out.result(report);
    process.exitCode = report.ok ? EXIT.ok : EXIT.checkFailed;
  }

  @Option({
    flags: '--output <dir>',
    description: 'the folder to write the archive and its .sha256 into (created if missing)',
  })
  parseOutput(value: string): string {
    return value;
  }

  @Option({
    flags: '--since <duration>',
    description: 'how much of the audit log to archive, e.g. 6h, 7d (default 24h)',
  })
  parseSince(value: string): string {
    return value;
  }

  @Option({
    flags: '--verify <file>',
    description: 'check an archive: every member against manifest.json, the archive against FILE.sha256',
  })
  parseVerify(value: string): string {
    return value;
  }
}
