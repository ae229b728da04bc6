export * from './canonical';
export * from './checkpoint-note';
export * from './merkle';
export * from './export-line';
export * from './export-verifier';
export * from './ledger-verifier';
