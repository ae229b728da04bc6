/**
 * FIRST Traffic Light Protocol 2.0 labels: how far information may travel. A filing and each of
 * its documents carry one; AMBER when none is given.
 */
export const TLP_LABELS = ['CLEAR', 'GREEN', 'AMBER', 'AMBER+STRICT', 'RED'] as const;
export type Tlp = (typeof TLP_LABELS)[number];

export const DEFAULT_TLP: Tlp = 'AMBER';

export function isTlp(value: unknown): value is Tlp {
  return typeof value === 'string' && (TLP_LABELS as readonly string[]).includes(value);
}
