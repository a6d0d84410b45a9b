import { DynamicModule, Module, type Type } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import type { DestinationStream } from 'pino';
import type { AppConfig } from './config/app-config';
import { AppConfigModule } from './config/app-config.module';
import { DatabaseModule } from './database/database.module';
import { AuthEndpointModule } from './auth/auth-endpoint.module';
import { GraphQLApiModule } from './api/graphql-api.module';
import { HealthModule } from './health/health.module';
import { HttpErrorFilter } from './http-error.filter';
import { LoggingModule } from './logging/logging.module';
import { MetricsModule } from './metrics/metrics.module';
import { RateLimitsModule } from './rate-limits/rate-limits.module';
import { SeedModule } from './seed/seed.module';

export interface AppModuleOptions {
  /** Log lines go here instead of stdout (tests capture them). */
  readonly logDestination?: DestinationStream;
  /** Embedded database in a temporary folder, deleted on shutdown. */
  readonly throwawayDatabase?: boolean;
  /** More modules to mount (tests, or a deployment's own additions). */
  readonly extraImports?: ReadonlyArray<DynamicModule | Type>;
}

/** The whole service, built from one validated configuration. */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig, options: AppModuleOptions = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forRoot(config),
        LoggingModule.forRoot(options.logDestination),
        DatabaseModule.forRoot(config, { throwawayEmbedded: options.throwawayDatabase }),
        MetricsModule.forRoot(config),
        RateLimitsModule,
        HealthModule,
        ...(config.role !== 'auth' ? [GraphQLApiModule] : []),
        ...(config.role !== 'api' ? [AuthEndpointModule, SeedModule] : []),
        ...(options.extraImports ?? []),
      ],
      providers: [{ provide: APP_FILTER, useClass: HttpErrorFilter }],
    };
  }
}
