import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { AvailabilityService, CalendarModule } from '@app/calendar';
import { AssistantInterpreter } from './assistant/assistant-interpreter';
import { AssistantService } from './assistant/assistant.service';
import { ChangesetRepository } from './changesets/changeset.repository';
import { ChangesetDoc, ChangesetSchema } from './changesets/changeset.schema';
import { ChangesetService } from './changesets/changeset.service';
import { FREE_SLOT_FINDER } from './executor/free-slots';
import { ChangePreviewer } from './executor/change-preview';
import { PeopleResolver } from './executor/people-resolver';
import { INTENT_USE_CASES, PlanExecutor } from './executor/plan.executor';
import { TargetFinder } from './executor/target-finder';
import { OfflineInterpreter } from './interpreter/offline.interpreter';
import { LlmInterpreter } from './llm/llm.interpreter';
import { TimeResolver } from './resolver/time-resolver';

/**
 * The interpreters and the time resolver: no database, no cache (the ops CLI's `assistant
 * interpret|eval` boots only this). Needs AppConfig and the metrics (global modules).
 */
@Module({
  providers: [OfflineInterpreter, TimeResolver, LlmInterpreter, AssistantInterpreter],
  exports: [OfflineInterpreter, TimeResolver, LlmInterpreter, AssistantInterpreter],
})
export class AssistantInterpreterModule {}

/**
 * The assistant for the API: messages → plans → the caller's calendar, with changesets (preview,
 * confirm, undo) in the `changesets` collection and its short memory and rate limit in Redis
 * (libs/cache, global).
 */
@Module({
  imports: [
    AssistantInterpreterModule,
    CalendarModule,
    MongooseModule.forFeature([{ name: ChangesetDoc.name, schema: ChangesetSchema }]),
  ],
  providers: [
    ChangesetRepository,
    ChangesetService,
    PlanExecutor,
    ...INTENT_USE_CASES,
    TargetFinder,
    PeopleResolver,
    ChangePreviewer,
    AssistantService,
    { provide: FREE_SLOT_FINDER, useExisting: AvailabilityService },
  ],
  exports: [AssistantInterpreterModule, AssistantService, ChangesetService],
})
export class AssistantModule {}
