import { forbiddenRange, isAllowListed, refusalOfUrl } from './target-address';

const config = { secretOverlapMs: 0, timeoutMs: 1000, retryDelaysMs: [], allowHttp: true, allowedHosts: [], secretKey: Buffer.alloc(32), usingDevelopmentSecretKey: true };

describe('webhook target addresses', () => {
  it('classifies every non-public range as forbidden, IPv4-mapped IPv6 included', () => {
    for (const address of ['127.0.0.1', '10.0.0.1', '172.16.0.1', '192.168.0.1', '169.254.169.254', '0.0.0.0', '::1', '::', 'fc00::1', 'fe80::1', '::ffff:10.0.0.1', '100.64.0.1']) {
      expect(forbiddenRange(address)).toBeDefined();
    }
    expect(forbiddenRange('93.184.215.14')).toBeUndefined();
    expect(forbiddenRange('2606:4700::1111')).toBeUndefined();
  });

  it('refuses http:// when WEBHOOK_ALLOW_HTTP is false, credentials and fragments always', async () => {
    expect(await refusalOfUrl('http://93.184.215.14/hook', { ...config, allowHttp: false })).toMatch(/https:\/\//);
    expect(await refusalOfUrl('https://93.184.215.14/hook', { ...config, allowHttp: false })).toBeUndefined();
    expect(await refusalOfUrl('https://user:pw@93.184.215.14/hook', config)).toMatch(/credentials/);
    expect(await refusalOfUrl('https://93.184.215.14/hook#x', config)).toMatch(/fragment/);
  });

  it('allow-lists a host on every port, or a host:port on that port only (443 and 80 by default)', () => {
    expect(isAllowListed(new URL('https://hooks.internal/x'), ['hooks.internal'])).toBe(true);
    expect(isAllowListed(new URL('https://hooks.internal:8443/x'), ['hooks.internal'])).toBe(true);
    expect(isAllowListed(new URL('https://hooks.internal/x'), ['hooks.internal:443'])).toBe(true);
    expect(isAllowListed(new URL('http://hooks.internal/x'), ['hooks.internal:443'])).toBe(false);
    expect(isAllowListed(new URL('https://other.internal/x'), ['hooks.internal'])).toBe(false);
  });
});
