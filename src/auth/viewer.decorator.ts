import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { GqlExecutionContext } from '@nestjs/graphql';
import type { ViewerContext } from '../graphql/graphql-context';
import { graphqlError } from '../graphql/graphql-errors';
import type { Viewer as ViewerType } from '../common/viewer';

/** The authenticated viewer `{ user_id, locale, roles }` of the current GraphQL request, as GqlAuthGuard put it there. */
export const Viewer = createParamDecorator(
  (_data: unknown, context: ExecutionContext): ViewerType => {
    const viewer = GqlExecutionContext.create(context).getContext<ViewerContext>().viewer;
    if (!viewer) throw graphqlError('UNAUTHENTICATED', 'Authentication required');
    return viewer;
  },
);
