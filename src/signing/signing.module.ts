import { Global, Logger, Module } from '@nestjs/common';
import { AppConfig } from 'src/config/app-config';
import { KeyRing } from 'src/signing/key-ring.service';
import { SigningKeyProvider } from 'src/signing/signing-key-provider';
import { openLocalKeyProvider } from 'src/signing/signing-settings';
import { SigningController } from 'src/signing/signing.controller';

/**
 * The signing keys, for every process: the API signs records, the worker signs checkpoints.
 * A key file that cannot be opened stops start-up with the file named.
 */
@Global()
@Module({
  controllers: [SigningController],
  providers: [
    {
      provide: SigningKeyProvider,
      inject: [AppConfig],
      useFactory: async (config: AppConfig): Promise<SigningKeyProvider> => {
        const logger = new Logger('SigningKeys');
        const provider = await openLocalKeyProvider(config, (message) => logger.warn(message));
        logger.log(
          `signing key ring ${provider.file}, current key ${await provider.currentKeyId()}`,
        );
        return provider;
      },
    },
    KeyRing,
  ],
  exports: [KeyRing, SigningKeyProvider],
})
export class SigningModule {}
