import { DEFAULT_TLP, type Tlp } from '../../kernel/tlp';

/**
 * A request's title may leave the fund in a webhook only when the request is marked for sharing
 * beyond its recipients (TLP CLEAR or GREEN); otherwise the message carries no title at all.
 */
export function titleForMessage(tlp: Tlp | null | undefined, title: string): string | undefined {
  const marking = tlp ?? DEFAULT_TLP;
  return marking === 'CLEAR' || marking === 'GREEN' ? title : undefined;
}
