import { Injectable } from '@nestjs/common';
import { Component, OffsiteService, RestoreService } from '@app/backup';
import { Command, SubCommand } from 'nest-commander';
import { AuditedAction } from '../cli/ops-audit';
import { EXIT } from '../cli/exit-codes';
import { Output } from '../cli/output';
import { CommandGroup } from '../cli/ops-command';
import { RestoreFlags, RestoringCommand, runRestore } from './backup.shared';

@Injectable()
abstract class RestoreComponentCommand extends RestoringCommand {
  protected abstract readonly component: Component;

  constructor(
    private readonly restore: RestoreService,
    private readonly offsite: OffsiteService,
  ) {
    super();
  }

  async run(_args: string[], flags: RestoreFlags): Promise<void> {
    const out = new Output(!!flags.json);
    const result = await runRestore(
      { restore: this.restore, offsite: this.offsite },
      out,
      [this.component],
      flags,
    );
    if (!result) return;
    out.result({ ok: true, ...result });
    process.exitCode = EXIT.ok;
  }
}

@AuditedAction()
@SubCommand({
  name: 'mongodb',
  description:
    'restore the MongoDB collections of a backup (verified first; refuses a non-empty database without --drop or --merge)',
})
export class RestoreMongodbCommand extends RestoreComponentCommand {
  protected readonly component: Component = 'mongodb';
}

@AuditedAction()
@SubCommand({
  name: 'redis',
  description:
    'restore the Redis keys of a backup with their absolute expiry (refuses a non-empty db without --drop or --merge)',
})
export class RestoreRedisCommand extends RestoreComponentCommand {
  protected readonly component: Component = 'redis';
}

@Command({
  name: 'restore',
  description: 'restore a verified backup: mongodb, redis',
  subCommands: [RestoreMongodbCommand, RestoreRedisCommand],
})
export class RestoreCommand extends CommandGroup {}
