/** A MongoDB-wire server this process started and must stop. */
export interface RunningDatabase {
  readonly kind: 'mongod' | 'ferretdb' | 'mongodb-memory-server-download';
  /** Connection string without a database name, ending in `/`. */
  readonly uri: string;
  readonly pid: number | undefined;
  stop(): Promise<void>;
}
