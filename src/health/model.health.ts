import { Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { ModelRuntime } from 'src/model-runtime/model-runtime';

/** The loaded model's identity: name, version and the manifest hash every record will carry. */
@Injectable()
export class ModelHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly runtime: ModelRuntime,
  ) {}

  check<K extends string>(key: K): HealthIndicatorResult<K> {
    const { name, version, manifestSha256 } = this.runtime.identity;
    return this.indicators.check(key).up({ name, version, manifestSha256 });
  }
}
