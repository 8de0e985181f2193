import { Global, Module } from '@nestjs/common';
import { CalendarModule, CalendarService } from '@app/calendar';
import { AccountLifecycle, CreatedAccount } from '@app/identity';

/** Binds identity's registration hook to the calendars: every new account gets its primary calendar. */
@Global()
@Module({
  imports: [CalendarModule],
  providers: [
    {
      provide: AccountLifecycle,
      inject: [CalendarService],
      useFactory: (calendars: CalendarService): AccountLifecycle => ({
        accountCreated: (account: CreatedAccount) => calendars.createPrimary(account),
      }),
    },
  ],
  exports: [AccountLifecycle],
})
export class PrimaryCalendarModule {}
