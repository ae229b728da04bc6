export * from './decider-spec';
export * from './eventually';
export * from './test-database';
export * from './file-mutations';
