export const ROLES = ['partner', 'officer', 'auditor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** The verified caller: who they are, their role and, for partners, their country. */
export type Actor =
  | { readonly sub: string; readonly role: 'partner'; readonly country: string }
  | { readonly sub: string; readonly role: Exclude<Role, 'partner'>; readonly country?: undefined };
