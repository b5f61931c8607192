import { Module } from '@nestjs/common';
import { ApplicationsModule } from 'src/applications/applications.module';
import { PoliciesController } from 'src/policies/policies.controller';
import { PoliciesRepository } from 'src/policies/policies.repository';
import { PoliciesService } from 'src/policies/policies.service';

@Module({
  imports: [ApplicationsModule],
  controllers: [PoliciesController],
  providers: [PoliciesRepository, PoliciesService],
  exports: [PoliciesService],
})
export class PoliciesModule {}
