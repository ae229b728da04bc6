/** One seed node of a Redis Cluster. */
export interface RedisNode {
  readonly host: string;
  readonly port: number;
}

/**
 * REDIS_CLUSTER_NODES: comma-separated `host:port` seed nodes of a Redis Cluster. Unset, the
 * service talks to the one server of REDIS_URL; set, to the cluster (credentials and TLS still come
 * from REDIS_URL). Returns the nodes, or undefined when unset; a bad value is added to `problems`.
 */
export function redisClusterNodes(raw: string | undefined, problems: string[]): readonly RedisNode[] | undefined {
  if (raw === undefined) return undefined;
  const nodes: RedisNode[] = [];
  for (const part of raw.split(',').map((item) => item.trim())) {
    const match = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(part);
    const port = Number(match?.[2]);
    if (match?.[1] === undefined || port < 1 || port > 65_535) {
      problems.push(`REDIS_CLUSTER_NODES must be comma-separated host:port seed nodes, e.g. 10.0.0.1:7000,10.0.0.2:7000 (got "${part}")`);
      return undefined;
    }
    nodes.push({ host: match[1].replace(/^\[|\]$/g, ''), port });
  }
  return nodes;
}
