import type { MailrouteClient } from '../../clients/typescript/src';
import { ApiContract, ContractLedger } from './api-contract';
import { ThrowawayRedis } from './redis';
import { TestApp, TestAppOptions } from './test-app';

export interface ContractApp {
  app: TestApp;
  /** The app's own Redis: a test may stop it. */
  redis: ThrowawayRedis;
  url: string;
  contract: ApiContract;
  /** The generated client, with `apiKey` if given, each of whose answers the contract checks. */
  client(apiKey?: string): MailrouteClient;
}

/**
 * For a describe block: a throwaway Redis and the app on it, listening on 127.0.0.1, and the API
 * document it serves as the contract its answers are held to. `options` is read when the app starts,
 * so that it may name what earlier hooks started (a webhook receiver's URL).
 */
export function useContractApp(ledger: ContractLedger, options: () => Omit<TestAppOptions, 'redisUrl'> = () => ({})): ContractApp {
  const running = {} as ContractApp;
  beforeAll(async () => {
    running.redis = await ThrowawayRedis.start();
    running.app = await TestApp.start({ ...options(), redisUrl: running.redis.url });
    running.url = await running.app.listen();
    running.contract = await ApiContract.of(running.url, ledger);
    running.client = (apiKey) => running.contract.client(running.url, apiKey);
  });
  afterAll(async () => {
    await running.app?.close();
    await running.redis?.stop();
  });
  return running;
}
