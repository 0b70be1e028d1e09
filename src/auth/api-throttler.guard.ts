import { ExecutionContext, HttpException, HttpStatus, Injectable } from '@nestjs/common';
import { ThrottlerGuard, ThrottlerLimitDetail, ThrottlerRequest } from '@nestjs/throttler';
import type { Request, Response } from 'express';
import { AuthenticatedRequest } from './caller.decorator';
import { isRedisUnavailable, outageException } from '../redis/redis.module';
import { LOCAL_OPERATOR } from './principal';
import { PROVIDER_WEBHOOK } from './provider-webhook.decorator';
import { IS_PUBLIC } from './public.decorator';

/** The throttler that counts provider webhook calls; the `default` one counts API callers. */
export const INBOUND_THROTTLER = 'inbound';

export const TOO_MANY = 'Too many requests; retry after the number of seconds in Retry-After.';

/**
 * API_RATE_LIMIT per API key (per client IP when no keys are configured) over all routes together, and
 * INBOUND_RATE_LIMIT per provider webhook and client IP, counted in Redis so that the limits hold across
 * replicas. Other public routes (probes, metrics) are not throttled; a limit of 0 is off. When Redis
 * cannot count, the request fails like any other that needs Redis (503): every throttled route needs it.
 */
@Injectable()
export class ApiThrottlerGuard extends ThrottlerGuard {
  /** Counting is the first Redis call of a request: when it fails, the route's outage sentence answers. */
  override async canActivate(context: ExecutionContext): Promise<boolean> {
    try {
      return await super.canActivate(context);
    } catch (error) {
      if (!isRedisUnavailable(error)) throw error;
      throw outageException(this.reflector, context, error as Error);
    }
  }

  protected override async shouldSkip(context: ExecutionContext): Promise<boolean> {
    if (this.isProviderWebhook(context)) return false;
    return this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()]) === true;
  }

  /** Each route is counted by one throttler: the inbound one for provider webhooks, the default one for the rest. */
  protected override async handleRequest(request: ThrottlerRequest): Promise<boolean> {
    const inbound = request.throttler.name === INBOUND_THROTTLER;
    if (request.limit === 0 || inbound !== this.isProviderWebhook(request.context)) return true;
    return super.handleRequest(request);
  }

  protected override async getTracker(request: Record<string, unknown>): Promise<string> {
    const { principal, ip } = request as unknown as AuthenticatedRequest;
    return principal && principal !== LOCAL_OPERATOR ? `key:${principal.name}` : `ip:${ip}`;
  }

  /** API callers over all routes together (the default would count each route apart); providers per webhook. */
  protected override generateKey(context: ExecutionContext, tracker: string, throttler: string): string {
    if (throttler !== INBOUND_THROTTLER) return tracker;
    const { path } = context.switchToHttp().getRequest<Request>().route as { path: string };
    return `${path}:${tracker}`;
  }

  /** The one error body, and the plain Retry-After and window headers whichever throttler refused. */
  protected override async throwThrottlingException(context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    context
      .switchToHttp()
      .getResponse<Response>()
      .setHeader('Retry-After', detail.timeToBlockExpire)
      .setHeader('X-RateLimit-Limit', detail.limit)
      .setHeader('X-RateLimit-Remaining', 0)
      .setHeader('X-RateLimit-Reset', detail.timeToExpire);
    throw new HttpException(
      { statusCode: HttpStatus.TOO_MANY_REQUESTS, error: 'Too Many Requests', message: TOO_MANY },
      HttpStatus.TOO_MANY_REQUESTS,
    );
  }

  private isProviderWebhook(context: ExecutionContext): boolean {
    return this.reflector.getAllAndOverride<boolean>(PROVIDER_WEBHOOK, [context.getHandler(), context.getClass()]) === true;
  }
}
