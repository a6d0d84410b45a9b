import type { IncomingMessage } from 'node:http';

/**
 * Facts learned while a request runs that its completion log line reports.
 * Kept on the raw request so the HTTP logger can read them at the end.
 */
export interface RequestLogFacts {
  userId?: string;
  graphqlOperationName?: string;
  graphqlOperationType?: string;
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
