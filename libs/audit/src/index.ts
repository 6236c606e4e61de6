export * from './chain-verifier';
export * from './audit.service';
