import { Command } from 'nest-commander';
import { SecurityDenyListCommand } from './security-deny-list.command';
import { SecurityNotifyCommand } from './security-notify.command';
import { SecurityPreserveEvidenceCommand } from './security-preserve-evidence.command';
import { SecuritySuspiciousIpsCommand } from './security-suspicious-ips.command';
import { SecurityUnblockCommand } from './security-unblock.command';
import { CommandGroup } from '../cli/ops-command';

@Command({
  name: 'security',
  description: 'incident response: suspicious-ips, preserve-evidence, notify, deny-list, unblock',
  subCommands: [
    SecuritySuspiciousIpsCommand,
    SecurityPreserveEvidenceCommand,
    SecurityNotifyCommand,
    SecurityDenyListCommand,
    SecurityUnblockCommand,
  ],
})
export class SecurityCommand extends CommandGroup {}
