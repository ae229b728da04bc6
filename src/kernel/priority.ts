/** How urgent a request is: 1 is the most urgent. */
export type Priority = 1 | 2 | 3 | 4 | 5;
export const PRIORITIES: readonly Priority[] = [1, 2, 3, 4, 5];
