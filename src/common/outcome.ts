/**
 * The business outcome of a write, in the terms legacy clients read
 * (docs/api.md, Mutation outcomes): success or failure, a stable
 * message id ("001", "DU01"...) and a message that is safe to show.
 */
export interface Outcome {
  readonly ok: boolean;
  readonly msgId: string;
  readonly msg: string;
}

export const succeeded = (msgId: string, msg: string) => ({ ok: true, msgId, msg }) as const;
export const failed = (msgId: string, msg: string) => ({ ok: false, msgId, msg }) as const;
