import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from 'src/health/health.controller';
import { ModelHealthIndicator } from 'src/health/model.health';
import { QueueHealthIndicator } from 'src/health/queue.health';

@Module({
  imports: [TerminusModule.forRoot({ logger: false })],
  controllers: [HealthController],
  providers: [QueueHealthIndicator, ModelHealthIndicator],
})
export class HealthModule {}
