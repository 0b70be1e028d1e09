import { ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import { isApiPath } from './api-key.guard';
import { AuthenticatedRequest } from './caller.decorator';
import { LOCAL_OPERATOR } from './principal';

/**
 * API_RATE_LIMIT per API key (per client IP when no keys are configured), counted in Redis so the
 * limit holds across replicas. Health probes and docs are never throttled.
 */
@Injectable()
export class ApiThrottlerGuard extends ThrottlerGuard {
  protected override async shouldSkip(context: ExecutionContext): Promise<boolean> {
    return !isApiPath(context.switchToHttp().getRequest<AuthenticatedRequest>().path);
  }

  protected override async getTracker(request: Record<string, unknown>): Promise<string> {
    const { principal, ip } = request as unknown as AuthenticatedRequest;
    return principal && principal !== LOCAL_OPERATOR ? `key:${principal.name}` : `ip:${ip}`;
  }
}
