import { Injectable } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import { AppConfig } from '../config/config.module';
import type { IncomingMessage } from 'node:http';
import { bearerToken } from './authorization-header';
import { Principal } from './principal';

interface StoredKey {
  principal: Principal;
  digest: Buffer;
}

/**
 * The configured API keys, by their SHA-256 only. A presented key is hashed and compared with every
 * configured digest in constant time, so neither the timing nor an early exit says how close it came.
 */
@Injectable()
export class ApiKeyRegistry {
  private readonly keys: StoredKey[];
  /** Each request's key is hashed once, though both the in-flight bound and the guard ask about it. */
  private readonly byRequest = new WeakMap<IncomingMessage, Principal | null>();

  constructor(config: AppConfig) {
    this.keys = config.security.apiKeys.map(({ name, scope, sha256, allowedFrom }) => ({
      principal: { name, scope, allowedFrom },
      digest: Buffer.from(sha256, 'hex'),
    }));
  }

  /** False when no keys are configured: the service then runs open, on loopback only. */
  get enabled(): boolean {
    return this.keys.length > 0;
  }

  /** Whether the request carries one of the keys, or needs none because none are configured. */
  vouchesFor(request: IncomingMessage): boolean {
    return !this.enabled || this.principalOf(request) !== undefined;
  }

  /** Whose key the request carries in its one `Authorization: Bearer` header; undefined for none or an unknown one. */
  principalOf(request: IncomingMessage): Principal | undefined {
    if (!this.byRequest.has(request)) this.byRequest.set(request, this.authenticate(bearerToken(request) ?? '') ?? null);
    return this.byRequest.get(request) ?? undefined;
  }

  authenticate(presented: string): Principal | undefined {
    const digest = createHash('sha256').update(presented).digest();
    let match: Principal | undefined;
    for (const key of this.keys) {
      if (timingSafeEqual(key.digest, digest)) match = key.principal;
    }
    return match;
  }
}
