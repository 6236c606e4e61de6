import { DynamicModule, Global, Module } from '@nestjs/common';
import { GOVFLOW_CONFIG, GovflowConfig } from './config';

/** The validated configuration, injectable everywhere as GOVFLOW_CONFIG. */
@Global()
@Module({})
export class GovflowConfigModule {
  static forRoot(config: GovflowConfig): DynamicModule {
    return { module: GovflowConfigModule, providers: [{ provide: GOVFLOW_CONFIG, useValue: config }], exports: [GOVFLOW_CONFIG] };
  }
}
