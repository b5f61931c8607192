import { Module } from '@nestjs/common';
import { ApplicationsModule } from 'src/applications/applications.module';
import { PoliciesModule } from 'src/policies/policies.module';
import { RecordsController } from 'src/records/records.controller';
import { RecordsRepository } from 'src/records/records.repository';
import { RecordsService } from 'src/records/records.service';
import { RecordsVerifier } from 'src/records/records-verifier';

@Module({
  imports: [ApplicationsModule, PoliciesModule],
  controllers: [RecordsController],
  providers: [RecordsRepository, RecordsService, RecordsVerifier],
  exports: [RecordsVerifier],
})
export class RecordsModule {}
