import { Global, Logger, Module } from '@nestjs/common';
import { join } from 'node:path';
import { AppConfig } from 'src/config/app-config';
import { resolveSigningKeySettings } from 'src/signing/signing-settings';
import { LocalTextKeyProvider } from 'src/text-keys/local-text-key.provider';
import { TextKeyProvider } from 'src/text-keys/text-key-provider';

/**
 * The keys that wrap records' text keys, outside the database: the local folder TEXT_KEY_DIR
 * (default DATA_DIR/text-keys), sealed with the signing key ring's passphrase. A folder the
 * passphrase does not open stops start-up with the folder named.
 */
@Global()
@Module({
  providers: [
    {
      provide: TextKeyProvider,
      inject: [AppConfig],
      useFactory: async (config: AppConfig): Promise<TextKeyProvider> => {
        const logger = new Logger('TextKeys');
        // The signing settings already warned about a generated passphrase: once is enough.
        const { passphrase } = await resolveSigningKeySettings(config, () => undefined);
        const provider = await LocalTextKeyProvider.open({
          dir: config.TEXT_KEY_DIR ?? join(config.DATA_DIR, 'text-keys'),
          passphrase,
        });
        logger.log(`text keys: ${provider.describe()}`);
        return provider;
      },
    },
  ],
  exports: [TextKeyProvider],
})
export class TextKeysModule {}
