import { BadRequestException, Get, HttpCode, ServiceUnavailableException } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { ExplainedOutage, WhenRedisDown } from './when-redis-down.decorator';

const SAID = 'The thing was not done: Redis is unreachable; try again.';

class Routes {
  @Get('thing')
  @WhenRedisDown(SAID)
  @HttpCode(202)
  async thing(error: Error): Promise<string> {
    throw error;
  }
}

describe('@WhenRedisDown', () => {
  const routes = new Routes();

  it('answers a Redis failure of the handler with a 503 in the route\'s words', async () => {
    await expect(routes.thing(new Error('Connection is closed.'))).rejects.toEqual(new ServiceUnavailableException(SAID));
  });

  it("words the handler's own 503 the same, unless it names its cause, and lets every other error through", async () => {
    await expect(routes.thing(new ServiceUnavailableException('could not'))).rejects.toEqual(new ServiceUnavailableException(SAID));
    const explained = new ExplainedOutage('PostgreSQL is unreachable');
    await expect(routes.thing(explained)).rejects.toBe(explained);
    const refused = new BadRequestException(['to is required']);
    await expect(routes.thing(refused)).rejects.toBe(refused);
  });

  it('keeps the metadata the decorators around it put on the handler', () => {
    expect(Reflect.getMetadata(PATH_METADATA, Routes.prototype.thing)).toBe('thing');
    expect(Reflect.getMetadata(METHOD_METADATA, Routes.prototype.thing)).toBeDefined();
    expect(Reflect.getMetadata('__httpCode__', Routes.prototype.thing)).toBe(202);
    expect(Routes.prototype.thing.name).toBe('thing');
  });
});
