import { AppConfigValues } from 'src/config/config';

/**
 * The validated configuration as an injectable token. It is built once by the entry point (which
 * must validate before anything else starts) and handed to the root module, so no service reads
 * `process.env` on its own.
 */
// Declaration merging on purpose: the class is the DI token, the interface gives it the typed fields.
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/no-empty-object-type
export interface AppConfig extends AppConfigValues {}
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export class AppConfig {
  constructor(values: AppConfigValues) {
    Object.assign(this, values);
    Object.freeze(this);
  }
}
