import type { IncomingMessage } from 'node:http';

/**
 * What a request turned out to be, learned while it runs: its viewer, its
 * GraphQL operation and the error codes it answered with. Kept on the raw
 * request, where the request line (pino-http's `customSuccessObject`) and the request
 * metrics read it when the response is done.
 */
export interface RequestLogFacts {
  userId?: string;
  graphqlOperationName?: string;
  graphqlOperationType?: string;
  graphqlErrorCodes?: string[];
}

const FACTS = Symbol('requestLogFacts');
type WithFacts = IncomingMessage & { [FACTS]?: RequestLogFacts };

export function requestLogFacts(req: IncomingMessage): RequestLogFacts {
  const withFacts = req as WithFacts;
  withFacts[FACTS] ??= {};
  return withFacts[FACTS];
}

export function peekRequestLogFacts(req: IncomingMessage): RequestLogFacts | undefined {
  return (req as WithFacts)[FACTS];
}
