import { Injectable } from '@nestjs/common';
import { NotFoundError, ValidationError } from '@app/common';
import { Role } from './roles';
import { UserRepository } from './user.repository';
import { EmailSchema } from './user.validation';

export interface RoleChange {
  id: string;
  email: string;
  role: Role;
  /** False when the account already had the role. */
  changed: boolean;
}

/** Who is an administrator: the ops CLI's `users` commands (never reachable over HTTP). */
@Injectable()
export class UserAdminService {
  constructor(private readonly users: UserRepository) {}

  grantAdmin(email: string): Promise<RoleChange> {
    return this.setRole(email, 'admin');
  }

  revokeAdmin(email: string): Promise<RoleChange> {
    return this.setRole(email, 'user');
  }

  async listAdmins(): Promise<{ id: string; email: string; createdAt: Date }[]> {
    await this.users.ensureConnected();
    return this.users.listAdmins();
  }

  private async setRole(email: string, role: Role): Promise<RoleChange> {
    const parsed = EmailSchema.safeParse(email);
    if (!parsed.success) throw new ValidationError(`not an email address: ${email}`);
    await this.users.ensureConnected();
    const result = await this.users.setRoleByEmail(parsed.data, role);
    if (!result) throw new NotFoundError(`no account with the email ${parsed.data}`);
    return result;
  }
}
