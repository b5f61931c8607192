import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Module } from '@nestjs/common';
import { QueueBackend } from 'src/queue/queue-backend';

export const QUEUE_BACKEND = Symbol('QUEUE_BACKEND');

@Module({})
export class QueueModule {
  static forRoot(backend: QueueBackend): DynamicModule {
    return {
      module: QueueModule,
      global: true,
      imports: [
        BullModule.forRoot({
          // The union is BullMQ's own: Redis options, or a pg pool config for its PostgreSQL backend.
          connection: backend.connection,
          ...(backend.prefix ? { prefix: backend.prefix } : {}),
        }),
      ],
      providers: [{ provide: QUEUE_BACKEND, useValue: backend }],
      exports: [QUEUE_BACKEND],
    };
  }
}
