import { Module } from '@nestjs/common';
import { ApplicationsModule } from 'src/applications/applications.module';
import { ProvisioningService } from 'src/provisioning/provisioning.service';
import { TenantsModule } from 'src/tenants/tenants.module';
import { UsersModule } from 'src/users/users.module';

@Module({
  imports: [TenantsModule, UsersModule, ApplicationsModule],
  providers: [ProvisioningService],
  exports: [ProvisioningService],
})
export class ProvisioningModule {}
