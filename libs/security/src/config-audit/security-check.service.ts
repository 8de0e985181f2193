import { Injectable } from '@nestjs/common';
import { withTimeout } from '@app/common';
import { AppConfig } from '@app/config';
import { DbDiagnosticsService } from '@app/database';
import { DenyListService } from '../deny-list/deny-list.service';
import { auditConfig, SecurityFinding } from './config-audit';

/** The whole `ops check security` audit: the configuration, plus the deny list and admin accounts. */
@Injectable()
export class SecurityCheckService {
  constructor(
    private readonly config: AppConfig,
    private readonly denyList: DenyListService,
    private readonly db: DbDiagnosticsService,
  ) {}

  async run(): Promise<SecurityFinding[]> {
    const findings = auditConfig(this.config);
    findings.push(await this.denyListFinding(), await this.adminFinding());
    return findings;
  }

  private async denyListFinding(): Promise<SecurityFinding> {
    try {
      const size = await withTimeout(this.denyList.size(), 3000, 'deny list');
      return {
        check: 'deny_list',
        status: 'info',
        message: `deny list: ${size} address(es)`,
        details: { size },
      };
    } catch (err) {
      return {
        check: 'deny_list',
        status: 'warn',
        message: `deny list could not be read: ${(err as Error).message}`,
      };
    }
  }

  private async adminFinding(): Promise<SecurityFinding> {
    try {
      const { count, roleField } = await withTimeout(this.db.adminUsers(), 5000, 'admin users');
      return {
        check: 'admin_users',
        status: 'info',
        message: roleField ? `admin accounts: ${count}` : 'admin accounts: 0 (users have no role field)',
        details: { count, roleField },
      };
    } catch (err) {
      return {
        check: 'admin_users',
        status: 'warn',
        message: `admin accounts could not be counted: ${(err as Error).message}`,
      };
    }
  }
}
