import { Global, Module } from '@nestjs/common';
import { RateLimits } from './rate-limits';

/** `RateLimits` for every feature that limits something (sign-in, sign-up, GraphQL). */
@Global()
@Module({ providers: [RateLimits], exports: [RateLimits] })
export class RateLimitsModule {}
