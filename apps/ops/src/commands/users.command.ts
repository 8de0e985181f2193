import { AUTH_USER_CACHE_MS, UserAdminService } from '@app/identity';
import { Command, SubCommand } from 'nest-commander';
import { AuditedAction } from '../cli/ops-audit';
import { EXIT } from '../cli/exit-codes';
import { Output } from '../cli/output';
import { CommandGroup, JsonFlagCommand, JsonFlags } from '../cli/ops-command';

/** When a role change reaches the API: each replica reuses a caller's account for AUTH_USER_CACHE_MS. */
const IN_FORCE = `in force on every API replica within ${AUTH_USER_CACHE_MS / 1000} s`;

@AuditedAction()
@SubCommand({
  name: 'grant-admin',
  arguments: '<email>',
  description:
    'make the account with this email an administrator (the /v1/admin routes); exit 1 when there is no such account',
})
export class UsersGrantAdminCommand extends JsonFlagCommand {
  constructor(private readonly admins: UserAdminService) {
    super();
  }

  async run([email]: string[], flags: JsonFlags): Promise<void> {
    const out = new Output(!!flags.json);
    const change = await this.admins.grantAdmin(email);
    out.line(
      change.changed
        ? `${change.email} is now an administrator`
        : `${change.email} was already an administrator`,
    );
    out.line(IN_FORCE);
    out.result({ ok: true, ...change });
    process.exitCode = EXIT.ok;
  }
}

@AuditedAction()
@SubCommand({
  name: 'revoke-admin',
  arguments: '<email>',
  description: `make an administrator an ordinary user again, ${IN_FORCE}; exit 1 when there is no such account`,
})
export class UsersRevokeAdminCommand extends JsonFlagCommand {
  constructor(private readonly admins: UserAdminService) {
    super();
  }

  async run([email]: string[], flags: JsonFlags): Promise<void> {
    const out = new Output(!!flags.json);
    const change = await this.admins.revokeAdmin(email);
    out.line(
      change.changed
        ? `${change.email} is no longer an administrator`
        : `${change.email} was not an administrator`,
    );
    out.line(IN_FORCE);
    out.result({ ok: true, ...change });
    process.exitCode = EXIT.ok;
  }
}

@SubCommand({ name: 'list-admins', description: 'every administrator account, oldest first' })
export class UsersListAdminsCommand extends JsonFlagCommand {
  constructor(private readonly admins: UserAdminService) {
    super();
  }

  async run(_args: string[], flags: JsonFlags): Promise<void> {
    const out = new Output(!!flags.json);
    const admins = await this.admins.listAdmins();
    out.line(`${admins.length} administrator(s)${admins.length ? ':' : ''}`);
    for (const a of admins) out.line(`  ${a.email.padEnd(40)} ${a.id}  since ${a.createdAt.toISOString()}`);
    out.result({ ok: true, admins });
    process.exitCode = EXIT.ok;
  }
}

@Command({
  name: 'users',
  description: 'administrator accounts: grant-admin, revoke-admin, list-admins',
  subCommands: [UsersGrantAdminCommand, UsersRevokeAdminCommand, UsersListAdminsCommand],
})
export class UsersCommand extends CommandGroup {}
