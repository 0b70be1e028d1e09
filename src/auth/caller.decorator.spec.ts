import { ExecutionContext, UnauthorizedException } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { Caller } from './caller.decorator';
import { Principal } from './principal';

type Factory = (data: unknown, context: ExecutionContext) => Principal;

/** The function Nest runs for @Caller(), taken from the metadata the decorator leaves on a handler. */
function callerFactory(): Factory {
  class Handler {
    handle(@Caller() _caller: Principal): void {}
  }
  const args = Reflect.getMetadata(ROUTE_ARGS_METADATA, Handler, 'handle') as Record<string, { factory: Factory }>;
  return Object.values(args)[0].factory;
}

const contextWith = (request: object, response = new Headers()) =>
  ({
    switchToHttp: () => ({
      getRequest: () => request,
      getResponse: () => ({ setHeader: (name: string, value: string) => response.set(name, value) }) as unknown as ServerResponse,
    }),
  }) as ExecutionContext;

describe('@Caller()', () => {
  const factory = callerFactory();

  it('gives the principal the guard established', () => {
    const principal: Principal = { name: 'shop', scope: 'send' };
    expect(factory(undefined, contextWith({ principal }))).toBe(principal);
  });

  it('refuses with 401 where no caller was established, instead of letting the handler run without one', () => {
    const response = new Headers();
    expect(() => factory(undefined, contextWith({}, response))).toThrow(UnauthorizedException);
    expect(response.get('www-authenticate')).toBe('Bearer realm="mailroute"');
  });
});
