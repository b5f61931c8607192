import { Global, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from 'src/config/app-config';
import { ModelRuntime } from 'src/model-runtime/model-runtime';

/**
 * The model, loaded once at start. A missing or altered package file stops the service from
 * starting, with the file named: no output is ever produced by a model that is not the one the
 * manifest describes.
 */
@Global()
@Module({
  providers: [
    {
      provide: ModelRuntime,
      inject: [AppConfig],
      useFactory: async (config: AppConfig): Promise<ModelRuntime> => {
        const started = Date.now();
        const runtime = await ModelRuntime.open(
          config.MODEL_STORE_DIR,
          config.MODEL_NAME,
          config.MODEL_VERSION,
        );
        const { name, version, manifestSha256 } = runtime.identity;
        new Logger('ModelRuntime').log(
          `loaded ${name} ${version} (manifest ${manifestSha256.slice(0, 12)}) in ${Date.now() - started} ms`,
        );
        return runtime;
      },
    },
  ],
  exports: [ModelRuntime],
})
export class ModelRuntimeModule implements OnApplicationShutdown {
  constructor(private readonly runtime: ModelRuntime) {}

  /** Native memory of the session goes back at shutdown, not at process exit. */
  async onApplicationShutdown(): Promise<void> {
    await this.runtime.close();
  }
}
