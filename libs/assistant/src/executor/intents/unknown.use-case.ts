import { Injectable } from '@nestjs/common';
import { ExecutionResult, HELP_REPLY, IntentUseCase } from '../execution';

/** `unknown` (and any intent this executor does not carry out): say what the assistant can do. */
@Injectable()
export class UnknownUseCase implements IntentUseCase {
  execute(): Promise<ExecutionResult> {
    return Promise.resolve({ reply: `I can't help with that. ${HELP_REPLY}`, outcome: 'unknown' });
  }
}
