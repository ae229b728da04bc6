import { v7 as uuidv7 } from 'uuid';

/** Time-ordered UUIDv7 ids for requests, events and commands. */
export abstract class IdGenerator {
  abstract newId(): string;
}

export class UuidV7Generator extends IdGenerator {
  newId(): string {
    return uuidv7();
  }
}
