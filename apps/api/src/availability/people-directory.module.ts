import { Global, Module } from '@nestjs/common';
import { PeopleDirectory } from '@app/calendar';
import { IdentityModule, UserService } from '@app/identity';

/** Binds the calendar's people directory to identity's users, so slots can honour other people's hours. */
@Global()
@Module({
  imports: [IdentityModule],
  providers: [
    {
      provide: PeopleDirectory,
      inject: [UserService],
      useFactory: (users: UserService): PeopleDirectory => ({
        findByEmails: (emails) => users.findPeopleByEmails(emails),
      }),
    },
  ],
  exports: [PeopleDirectory],
})
export class PeopleDirectoryModule {}
