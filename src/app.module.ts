import { DynamicModule, Module, ModuleMetadata } from '@nestjs/common';
import type { DestinationStream } from 'pino';
import { HttpLoggingModule } from 'src/common/http-logging';
import { httpLoggerOptions } from 'src/common/logging';
import { AppConfig } from 'src/config/app-config';
import { DatabaseEndpoint } from 'src/database/database-endpoint';
import { ApplicationsModule } from 'src/applications/applications.module';
import { AuthEventsModule } from 'src/auth-events/auth-events.module';
import { AuthModule } from 'src/auth/auth.module';
import { DatabaseModule } from 'src/database/database.module';
import { HealthModule } from 'src/health/health.module';
import { JobsModule } from 'src/jobs/jobs.module';
import { LogModule } from 'src/log/log.module';
import { LogVerificationsModule } from 'src/log/log-verifications.module';
import { MetricsModule } from 'src/metrics/metrics.module';
import { ModelRuntimeModule } from 'src/model-runtime/model-runtime.module';
import { QueueBackend } from 'src/queue/queue-backend';
import { PortalModule } from 'src/portal/portal.module';
import { PoliciesModule } from 'src/policies/policies.module';
import { ProvisioningModule } from 'src/provisioning/provisioning.module';
import { QueueModule } from 'src/queue/queue.module';
import { RecordsModule } from 'src/records/records.module';
import { ReportsModule } from 'src/reports/reports.module';
import { ArtifactsModule } from 'src/artifacts/artifacts.module';
import { SigningModule } from 'src/signing/signing.module';
import { TextKeysModule } from 'src/text-keys/text-keys.module';
import { TenantsModule } from 'src/tenants/tenants.module';
import { UsersModule } from 'src/users/users.module';

export interface AppModuleOptions {
  config: AppConfig;
  database: DatabaseEndpoint;
  queue: QueueBackend;
  /** Serve HTTP (api). False for a worker process. */
  http: boolean;
  /** Run queue workers in this process. */
  runWorkers: boolean;
  /** Where JSON logs go (stdout by default); tests capture them. */
  logDestination?: DestinationStream;
  /** Extra modules, e.g. job kinds that exist only in tests. */
  imports?: ModuleMetadata['imports'];
}

@Module({})
export class ConfigModule {}

@Module({})
export class AppModule {
  static forRoot(options: AppModuleOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [
        {
          module: ConfigModule,
          global: true,
          providers: [{ provide: AppConfig, useValue: options.config }],
          exports: [AppConfig],
        },
        HttpLoggingModule.forRoot(
          httpLoggerOptions(options.config.LOG_LEVEL, options.logDestination),
        ),
        DatabaseModule.forRoot(options.database),
        QueueModule.forRoot(options.queue),
        JobsModule.forRoot({ runWorkers: options.runWorkers }),
        AuthEventsModule,
        UsersModule,
        ApplicationsModule,
        TenantsModule,
        ProvisioningModule,
        SigningModule,
        TextKeysModule,
        LogModule.forRoot({ scheduleCheckpoints: options.runWorkers }),
        LogVerificationsModule,
        ArtifactsModule,
        ReportsModule,
        // The model serves requests: the API process loads it, queue workers do not.
        ...(options.http
          ? [
              ModelRuntimeModule,
              AuthModule,
              HealthModule,
              MetricsModule,
              PoliciesModule,
              RecordsModule,
              PortalModule,
            ]
          : []),
        ...(options.imports ?? []),
      ],
    };
  }
}
