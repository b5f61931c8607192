import { Injectable } from '@nestjs/common';
import { RateLimitedError } from 'src/auth/auth.errors';
import { RateLimiter } from 'src/auth/rate-limiter';
import { AppConfig } from 'src/config/app-config';

/** The process's rate limiters, sized from the configuration. */
@Injectable()
export class RateLimits {
  private readonly signIn: RateLimiter;
  private readonly apiKey: RateLimiter;

  constructor(config: AppConfig) {
    this.signIn = new RateLimiter(config.SIGN_IN_RATE_PER_MINUTE);
    this.apiKey = new RateLimiter(config.API_KEY_RATE_PER_MINUTE);
  }

  signInAttempt(ip: string): void {
    const decision = this.signIn.take(ip);
    if (!decision.allowed)
      throw new RateLimitedError('sign-in attempts', decision.retryAfterSeconds);
  }

  apiKeyRequest(keyId: string): void {
    const decision = this.apiKey.take(keyId);
    if (!decision.allowed) {
      throw new RateLimitedError('requests with this API key', decision.retryAfterSeconds);
    }
  }
}
