import { Module } from '@nestjs/common';
import { ApplicationsModule } from 'src/applications/applications.module';
import { AuthModule } from 'src/auth/auth.module';
import { LogVerificationsModule } from 'src/log/log-verifications.module';
import { PoliciesModule } from 'src/policies/policies.module';
import { RecordsCoreModule } from 'src/records/records-core.module';
import { ReportsModule } from 'src/reports/reports.module';
import { UsersModule } from 'src/users/users.module';
import { PortalAdminController } from 'src/portal/portal-admin.controller';
import { PortalPoliciesController } from 'src/portal/portal-policies.controller';
import { DashboardService } from 'src/portal/dashboard.service';
import { PortalPagesController } from 'src/portal/portal-pages.controller';
import { ExplorerService } from 'src/portal/explorer.service';
import { PortalAssetsController } from 'src/portal/portal-assets.controller';
import { PortalAuthController } from 'src/portal/portal-auth.controller';
import { PortalErrorFilter } from 'src/portal/portal-error.filter';
import { PortalRecordsController } from 'src/portal/portal-records.controller';
import { PortalViews } from 'src/portal/portal-views';
import { RecordPageService } from 'src/portal/record-page.service';

/**
 * The compliance portal: server-rendered pages under `/` (the API stays under `/v1`), calling
 * the same services as the API, so a page can do nothing the API would refuse.
 */
@Module({
  imports: [
    AuthModule,
    ApplicationsModule,
    UsersModule,
    PoliciesModule,
    LogVerificationsModule,
    RecordsCoreModule,
    ReportsModule,
  ],
  controllers: [
    PortalAuthController,
    PortalPagesController,
    PortalRecordsController,
    PortalAdminController,
    PortalPoliciesController,
    PortalAssetsController,
  ],
  providers: [PortalViews, PortalErrorFilter, ExplorerService, RecordPageService, DashboardService],
})
export class PortalModule {}
