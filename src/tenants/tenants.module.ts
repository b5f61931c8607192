import { Module } from '@nestjs/common';
import { AuthEventsModule } from 'src/auth-events/auth-events.module';
import { TenantsController } from 'src/tenants/tenants.controller';
import { TenantsRepository } from 'src/tenants/tenants.repository';
import { TenantsService } from 'src/tenants/tenants.service';

@Module({
  imports: [AuthEventsModule],
  controllers: [TenantsController],
  providers: [TenantsRepository, TenantsService],
  exports: [TenantsService],
})
export class TenantsModule {}
