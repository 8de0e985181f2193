import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { EventQueryService } from './events/event-query.service';
import { EventRepository } from './events/event.repository';
import { EventDoc, EventSchema } from './events/event.schema';
import { EventService } from './events/event.service';

/** Events: storage, recurrence-aware reads and writes. */
@Module({
  imports: [MongooseModule.forFeature([{ name: EventDoc.name, schema: EventSchema }])],
  providers: [EventRepository, EventService, EventQueryService],
  exports: [EventService, EventQueryService],
})
export class CalendarModule {}
