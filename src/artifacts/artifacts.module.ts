import { Global, Module } from '@nestjs/common';
import { join } from 'node:path';
import { ArtifactStore } from 'src/artifacts/artifact-store';
import { LocalFolderArtifactStore } from 'src/artifacts/local-folder-artifact-store';
import { AppConfig } from 'src/config/app-config';

/** The artifact store: the local folder ARTIFACTS_DIR (default DATA_DIR/artifacts). */
@Global()
@Module({
  providers: [
    {
      provide: ArtifactStore,
      inject: [AppConfig],
      useFactory: (config: AppConfig) =>
        new LocalFolderArtifactStore(config.ARTIFACTS_DIR ?? join(config.DATA_DIR, 'artifacts')),
    },
  ],
  exports: [ArtifactStore],
})
export class ArtifactsModule {}
