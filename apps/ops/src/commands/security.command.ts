import { Command, CommandRunner } from 'nest-commander';
import { SecurityDenyListCommand } from './security-deny-list.command';
import { SecurityNotifyCommand } from './security-notify.command';
import { SecurityPreserveEvidenceCommand } from './security-preserve-evidence.command';
import { SecuritySuspiciousIpsCommand } from './security-suspicious-ips.command';
import { SecurityUnblockCommand } from './security-unblock.command';

export const SECURITY_COMMANDS = [
  SecuritySuspiciousIpsCommand,
  SecurityPreserveEvidenceCommand,
  SecurityNotifyCommand,
  SecurityDenyListCommand,
  SecurityUnblockCommand,
];

@Command({
  name: 'security',
  description: 'incident response: suspicious-ips, preserve-evidence, notify, deny-list, unblock',
  subCommands: SECURITY_COMMANDS,
})
export class SecurityCommand extends CommandRunner {
  async run(): Promise<void> {
    this.command.help();
  }
}
