/** Options every command accepts. */
export interface GlobalOptions {
  trackingUri?: string;
  json: boolean;
}
