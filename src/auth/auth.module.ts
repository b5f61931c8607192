import { Module } from '@nestjs/common';
import { APP_GUARD, DiscoveryModule } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { ApplicationsModule } from 'src/applications/applications.module';
import { AuthEventsModule } from 'src/auth-events/auth-events.module';
import { AccessRulesCheck } from 'src/auth/access-rules.check';
import { AccessGuard } from 'src/auth/access.guard';
import { AuthController } from 'src/auth/auth.controller';
import { AuthService } from 'src/auth/auth.service';
import { OidcSignInService } from 'src/auth/oidc-sign-in.service';
import { RateLimits } from 'src/auth/rate-limits';
import { SessionsRepository } from 'src/auth/sessions.repository';
import { ApiKeyStrategy, SessionStrategy } from 'src/auth/strategies';
import { TenantsModule } from 'src/tenants/tenants.module';
import { UsersModule } from 'src/users/users.module';

/** Authentication (passport strategies) and the global access guard: HTTP processes only. */
@Module({
  imports: [
    PassportModule,
    DiscoveryModule,
    AuthEventsModule,
    UsersModule,
    ApplicationsModule,
    TenantsModule,
  ],
  controllers: [AuthController],
  providers: [
    SessionsRepository,
    AuthService,
    OidcSignInService,
    RateLimits,
    ApiKeyStrategy,
    SessionStrategy,
    AccessRulesCheck,
    { provide: APP_GUARD, useClass: AccessGuard },
  ],
  exports: [AuthService, OidcSignInService],
})
export class AuthModule {}
