import { Module } from '@nestjs/common';
import { ApplicationsModule } from 'src/applications/applications.module';
import { UsersModule } from 'src/users/users.module';
import { RecordsCoreModule } from 'src/records/records-core.module';
import { ReportBuilder } from 'src/reports/build/report-builder';
import { ReportBuildJob } from 'src/reports/report-build.job';
import { ReportsController } from 'src/reports/reports.controller';
import { ReportsRepository } from 'src/reports/reports.repository';
import { ReportsService } from 'src/reports/reports.service';
import { ModelReferences } from 'src/reports/sources/model-references';

/**
 * Reports and evidence packages: requested over the API, built by the worker (report.build
 * jobs), stored in the artifact store, downloaded with every read logged.
 */
@Module({
  imports: [ApplicationsModule, UsersModule, RecordsCoreModule],
  controllers: [ReportsController],
  providers: [ReportsRepository, ReportsService, ReportBuilder, ReportBuildJob, ModelReferences],
  exports: [ReportsService, ModelReferences],
})
export class ReportsModule {}
