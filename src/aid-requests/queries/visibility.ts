import type { Actor } from '../../auth/actor';

/** A partner sees its own country's requests only; for anything else it is as if they did not exist. */
export function canSee(actor: Actor, country: string): boolean {
  return actor.role !== 'partner' || actor.country === country;
}
