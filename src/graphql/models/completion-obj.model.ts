import { Field, Int, ObjectType } from '@nestjs/graphql';
import type { Outcome } from '../../common/outcome';

@ObjectType('CompletionObj', {
  description: 'The business outcome of a mutation (legacy clients read it instead of errors).',
})
export class CompletionObj {
  @Field(() => String, { description: '"0" success, "1" failure.' })
  code!: string;

  @Field(() => String, { description: 'Human-readable outcome.' })
  msg!: string;

  @Field(() => String, { description: 'Stable id of the outcome, e.g. "001" or "DU01".' })
  msg_id!: string;

  @Field(() => Int, { description: 'Records processed.' })
  processed!: number;

  @Field(() => Int, { description: 'Records created or changed.' })
  modified!: number;
}

/** A service's outcome as legacy clients read it: processed/modified exactly as the original demo reported them. */
export function completionObj(outcome: Outcome): CompletionObj {
  return outcome.ok
    ? { code: '0', msg: outcome.msg, msg_id: outcome.msgId, processed: 1, modified: 0 }
    : { code: '1', msg: outcome.msg, msg_id: outcome.msgId, processed: 0, modified: 0 };
}
