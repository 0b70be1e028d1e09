import { durabilityWarnings } from './redis-durability.check';

describe('durabilityWarnings', () => {
  it('says nothing for noeviction with the append-only file on', () => {
    expect(durabilityWarnings({ maxmemoryPolicy: 'noeviction', appendonly: 'yes' })).toEqual([]);
  });

  it.each(['allkeys-lru', 'volatile-lru', 'allkeys-random', 'volatile-ttl'])(
    'warns that %s may evict queued jobs and message records, and says what to set',
    (policy) => {
      const [warning, ...others] = durabilityWarnings({ maxmemoryPolicy: policy, appendonly: 'yes' });
      expect(others).toEqual([]);
      expect(warning).toContain(`maxmemory-policy ${policy}`);
      expect(warning).toMatch(/evict queued jobs and message records/);
      expect(warning).toMatch(/Set maxmemory-policy noeviction/);
    },
  );

  it('warns that persistence is off, and says what to set', () => {
    const [warning, ...others] = durabilityWarnings({ maxmemoryPolicy: 'noeviction', appendonly: 'no' });
    expect(others).toEqual([]);
    expect(warning).toMatch(/appendonly no: an accepted message can be lost when Redis restarts/);
    expect(warning).toMatch(/Set appendonly yes/);
  });

  it('gives both warnings when both settings are wrong', () => {
    expect(durabilityWarnings({ maxmemoryPolicy: 'allkeys-lfu', appendonly: 'no' })).toHaveLength(2);
  });
});
