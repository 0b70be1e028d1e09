import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { AppConfig } from '../config/config.module';
import type { IncomingMessage } from 'node:http';
import { bearerToken } from './authorization-header';
import { Principal } from './principal';

/**
 * The configured API keys, by their SHA-256 only. A presented key is hashed and looked up by its digest.
 * The lookup need not run in constant time, as a comparison of the keys themselves would: its timing
 * could only tell how close the presented key's SHA-256 came to a configured one, and a key that hashes
 * near a given digest is as hard to find as the key. A constant-time comparison with every configured
 * digest cost a request 15 µs with 100 keys, and grows with every key.
 */
@Injectable()
export class ApiKeyRegistry {
  private readonly keys: Map<string, Principal>;
  /** Each request's key is hashed once, though both the in-flight bound and the guard ask about it. */
  private readonly byRequest = new WeakMap<IncomingMessage, Principal | null>();

  constructor(config: AppConfig) {
    this.keys = new Map(config.security.apiKeys.map(({ name, scope, sha256, allowedFrom }) => [sha256.toLowerCase(), { name, scope, allowedFrom }]));
  }

  /** False when no keys are configured: the service then runs open, on loopback only. */
  get enabled(): boolean {
    return this.keys.size > 0;
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
    return this.keys.get(createHash('sha256').update(presented).digest('hex'));
  }
}
