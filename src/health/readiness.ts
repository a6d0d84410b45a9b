import { Injectable } from '@nestjs/common';

/**
 * Whether this process still wants new requests. On SIGTERM with a drain
 * delay it says no (readiness 503) while it keeps serving, so a load
 * balancer's health check takes it out of rotation before it closes.
 */
@Injectable()
export class Readiness {
  draining = false;
}
