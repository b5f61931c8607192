import { Module } from '@nestjs/common';
import { ApplicationsModule } from 'src/applications/applications.module';
import { AuthEventsModule } from 'src/auth-events/auth-events.module';
import { TenantsController } from 'src/tenants/tenants.controller';
import { TenantsRepository } from 'src/tenants/tenants.repository';
import { TenantsService } from 'src/tenants/tenants.service';
import { UsersModule } from 'src/users/users.module';

@Module({
  imports: [AuthEventsModule, UsersModule, ApplicationsModule],
  controllers: [TenantsController],
  providers: [TenantsRepository, TenantsService],
  exports: [TenantsService],
})
export class TenantsModule {}
