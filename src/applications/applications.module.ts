import { Module } from '@nestjs/common';
import { ApplicationsController } from 'src/applications/applications.controller';
import { ApplicationsRepository } from 'src/applications/applications.repository';
import { ApplicationsService } from 'src/applications/applications.service';
import { AuthEventsModule } from 'src/auth-events/auth-events.module';

@Module({
  imports: [AuthEventsModule],
  controllers: [ApplicationsController],
  providers: [ApplicationsRepository, ApplicationsService],
  exports: [ApplicationsService],
})
export class ApplicationsModule {}
