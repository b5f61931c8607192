import { Module } from '@nestjs/common';
import { AuthEventsController } from 'src/auth-events/auth-events.controller';
import { AuthEventsRepository } from 'src/auth-events/auth-events.repository';
import { AuthEventsService } from 'src/auth-events/auth-events.service';

@Module({
  controllers: [AuthEventsController],
  providers: [AuthEventsRepository, AuthEventsService],
  exports: [AuthEventsService],
})
export class AuthEventsModule {}
