import { redisClusterNodes } from './redis-cluster-env';

describe('REDIS_CLUSTER_NODES', () => {
  it('is unset by default: one Redis server', () => {
    expect(redisClusterNodes(undefined, [])).toBeUndefined();
  });

  it('lists the seed nodes', () => {
    const problems: string[] = [];
    expect(redisClusterNodes('10.0.0.1:7000, redis-b.internal:7001,[::1]:7002', problems)).toEqual([
      { host: '10.0.0.1', port: 7000 },
      { host: 'redis-b.internal', port: 7001 },
      { host: '::1', port: 7002 },
    ]);
    expect(problems).toEqual([]);
  });

  it.each(['10.0.0.1', 'redis://10.0.0.1:7000', '10.0.0.1:0', '10.0.0.1:70000', 'a:1,,b:2'])('refuses %p, naming the variable', (raw) => {
    const problems: string[] = [];
    expect(redisClusterNodes(raw, problems)).toBeUndefined();
    expect(problems).toEqual([expect.stringContaining('REDIS_CLUSTER_NODES')]);
  });
});
