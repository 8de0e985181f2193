import { Injectable } from '@nestjs/common';
import { DependencyCheck, HealthService } from '@app/health';
import { MailTransport, type SmtpCheck } from '@app/mail';
import { Command, SubCommand } from 'nest-commander';
import { EXIT } from '../cli/exit-codes';
import { mark, Output } from '../cli/output';
import { CommandGroup, JsonFlagCommand, JsonFlags } from '../cli/ops-command';
import { CheckCacheCommand } from './check-cache.command';
import { CheckDbPerformanceCommand } from './check-db-performance.command';
import { CheckPerformanceCommand } from './check-performance.command';
import { CheckSecurityCommand } from './check-security.command';

function printChecks(out: Output, checks: (DependencyCheck | SmtpCheck)[]): void {
  for (const c of checks) {
    const latency = c.latencyMs !== undefined ? ` (${c.latencyMs} ms)` : '';
    const note = c.message ? ` — ${c.message}` : '';
    out.line(`[${mark(c.state === 'connected')}] ${c.name.padEnd(8)} ${c.state}${latency}${note}`);
  }
}

@Injectable()
abstract class DependencyCommand extends JsonFlagCommand {
  constructor(protected readonly health: HealthService) {
    super();
  }

  protected abstract checks(): Promise<(DependencyCheck | SmtpCheck)[]>;

  async run(_args: string[], options: JsonFlags): Promise<void> {
    const out = new Output(!!options.json);
    const checks = await this.checks();
    printChecks(out, checks);
    out.result({ ok: checks.every((c) => c.state === 'connected'), checks });
    process.exitCode = checks.every((c) => c.state === 'connected') ? EXIT.ok : EXIT.checkFailed;
  }
}

@SubCommand({ name: 'mongodb', description: 'ping MongoDB and report its latency' })
export class CheckMongodbCommand extends DependencyCommand {
  protected async checks() {
    return [await this.health.checkMongo()];
  }
}

@SubCommand({ name: 'redis', description: 'PING Redis and report its latency' })
export class CheckRedisCommand extends DependencyCommand {
  protected async checks() {
    return [await this.health.checkRedis()];
  }
}

@SubCommand({
  name: 'dependencies',
  description: 'check MongoDB, Redis and (when SMTP_URL is set) the SMTP server; exit 1 if any is down',
})
export class CheckDependenciesCommand extends DependencyCommand {
  constructor(
    health: HealthService,
    private readonly mail: MailTransport,
  ) {
    super(health);
  }

  protected async checks() {
    const [deps, smtp] = await Promise.all([
      this.health.dependencies(),
      // Connect + EHLO (+ STARTTLS/AUTH) only when mail is configured: without SMTP_URL there is no row.
      this.mail.configured ? this.mail.verify() : Promise.resolve(undefined),
    ]);
    return smtp ? [...deps, smtp] : deps;
  }
}

@SubCommand({
  name: 'health',
  description: 'the /health report (healthy, degraded or unhealthy); exit 1 unless healthy',
})
export class CheckHealthCommand extends JsonFlagCommand {
  constructor(private readonly health: HealthService) {
    super();
  }

  async run(_args: string[], options: JsonFlags): Promise<void> {
    const out = new Output(!!options.json);
    const report = await this.health.report();
    const checks = await this.health.dependencies();
    out.line(`status: ${report.status} (version ${report.version})`);
    printChecks(out, checks);
    out.result(report);
    process.exitCode = report.status === 'healthy' ? EXIT.ok : EXIT.checkFailed;
  }
}

@Command({
  name: 'check',
  description:
    'runbook checks: health, dependencies, mongodb, redis, db-performance, cache, performance, security',
  subCommands: [
    CheckHealthCommand,
    CheckDependenciesCommand,
    CheckMongodbCommand,
    CheckRedisCommand,
    CheckDbPerformanceCommand,
    CheckCacheCommand,
    CheckPerformanceCommand,
    CheckSecurityCommand,
  ],
})
export class CheckCommand extends CommandGroup {}
