import { ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import { AuthenticatedRequest } from './caller.decorator';
import { LOCAL_OPERATOR } from './principal';
import { IS_PUBLIC } from './public.decorator';

/**
 * API_RATE_LIMIT per API key (per client IP when no keys are configured), counted in Redis so the
 * limit holds across replicas. Public routes (probes, metrics, provider webhooks) are not throttled.
 */
@Injectable()
export class ApiThrottlerGuard extends ThrottlerGuard {
  protected override async shouldSkip(context: ExecutionContext): Promise<boolean> {
    return this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()]) === true;
  }

  protected override async getTracker(request: Record<string, unknown>): Promise<string> {
    const { principal, ip } = request as unknown as AuthenticatedRequest;
    return principal && principal !== LOCAL_OPERATOR ? `key:${principal.name}` : `ip:${ip}`;
  }
}
