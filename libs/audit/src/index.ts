export * from './chain-verifier';
export * from './audit.service';
export * from './merkle';
export * from './signing-key';
export * from './checkpoint.service';
export * from './export.service';
export * from './offline-verifier';
export * from './checkpoint.scheduler';
