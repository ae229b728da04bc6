export * from './canonical';
export * from './checkpoint-note';
export * from './merkle';
