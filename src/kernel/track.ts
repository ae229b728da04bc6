/** The two kinds of help the fund gives, and the fund window that pays for each. */
export const TRACKS = ['rapid_response', 'capacity_building'] as const;
export type Track = (typeof TRACKS)[number];
