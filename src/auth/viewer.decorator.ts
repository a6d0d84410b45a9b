import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { GqlExecutionContext } from '@nestjs/graphql';
import { unauthenticated } from '../common/errors';
import type { Viewer as ViewerType } from '../common/viewer';
import type { ViewerContext } from './gql-auth.guard';

/** The authenticated viewer `{ user_id, locale, roles }` of the current GraphQL request, as GqlAuthGuard put it there. */
export const Viewer = createParamDecorator(
  (_data: unknown, context: ExecutionContext): ViewerType => {
    const viewer = GqlExecutionContext.create(context).getContext<ViewerContext>().viewer;
    if (!viewer) throw unauthenticated();
    return viewer;
  },
);
