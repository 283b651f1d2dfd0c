export * from './bank-account';
export * from './events';
export * from './errors';
