export * from './event-store';
export * from './snapshot-store';
export * from './event-store.types';
export * from './hash-chain';
export * from './envelope';
export * from './database.module';
export * from './periodic-pass';
