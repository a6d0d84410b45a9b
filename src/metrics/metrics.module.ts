import { DynamicModule, Global, Module } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { AppMetrics } from './app-metrics';
import { DatabaseMetrics } from './database-metrics';
import { MetricsController, MetricsServer } from './metrics-endpoint';

/**
 * Prometheus metrics (docs/operations.md): `AppMetrics` for whoever records,
 * and `/metrics` on the application's port or on METRICS_PORT of its own.
 */
@Global()
@Module({})
export class MetricsModule {
  static forRoot(config: AppConfig): DynamicModule {
    const port = config.metrics.port;
    return {
      module: MetricsModule,
      controllers: port === 'same' ? [MetricsController] : [],
      providers: [
        { provide: AppMetrics, useValue: new AppMetrics(port !== 'off') },
        DatabaseMetrics,
        ...(typeof port === 'number' ? [MetricsServer] : []),
      ],
      exports: [AppMetrics],
    };
  }
}
