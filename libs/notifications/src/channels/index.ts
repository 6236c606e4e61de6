export * from './delivery-error';
export * from './email.sender';
export * from './webhook.sender';
export * from './webhook.client';
export * from './public-address';
