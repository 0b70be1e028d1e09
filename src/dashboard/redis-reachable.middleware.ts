import { Injectable, NestMiddleware, ServiceUnavailableException } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { RedisConnection, isRedisUnavailable } from '../redis/redis.module';

const UNREACHABLE = 'The queues cannot be shown while Redis is unreachable; try again.';

/**
 * bull-board reads the queues through Bull's own client, which queues commands while Redis is away and
 * waits for a hung one without limit. A PING on the bounded store client first answers 503 at once
 * while Redis is down, and within its command timeout while it hangs, instead of leaving the page open.
 */
@Injectable()
export class RedisReachableMiddleware implements NestMiddleware {
  constructor(private readonly redis: RedisConnection) {}

  async use(_request: Request, _response: Response, next: NextFunction): Promise<void> {
    try {
      await this.redis.client.ping();
    } catch (error) {
      if (isRedisUnavailable(error)) throw new ServiceUnavailableException(UNREACHABLE);
      throw error;
    }
    next();
  }
}
