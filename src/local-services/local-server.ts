/** A server this process started for itself (zero set-up): where it answers, and how to stop it. */
export interface LocalServer {
  /** The URL the service connects to. */
  readonly url: string;
  stop(): Promise<void>;
}
