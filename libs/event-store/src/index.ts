export * from './decider';
export * from './errors';
export * from './event-store';
export * from './event-store.types';
export * from './handle-command';
export * from './sql/sql';
export * from './upcasting/upcaster-registry';
