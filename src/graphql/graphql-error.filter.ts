import { Catch, type ArgumentsHost } from '@nestjs/common';
import type { GqlExceptionFilter } from '@nestjs/graphql';
import { GraphQLError } from 'graphql';
import { ApiError } from '../common/errors';
import { fromApiError } from './graphql-errors';

/**
 * Hands errors a resolver or service throws on purpose (BAD_USER_INPUT,
 * NOT_FOUND, FORBIDDEN...) straight back to Apollo. Without it Nest's
 * default handler logs each one at error level with a stack, so a client's
 * bad cursor looked like a server fault. Unexpected errors are still logged
 * in full by the request plugin.
 */
@Catch(GraphQLError, ApiError)
export class GraphQLErrorPassthrough implements GqlExceptionFilter {
  catch(exception: GraphQLError | ApiError, _host: ArgumentsHost): GraphQLError {
    return exception instanceof ApiError ? fromApiError(exception) : exception;
  }
}
