import { embeddedIpv4, forbiddenReason, isForbiddenAddress, normaliseAddress, TargetAllowList } from './target-guard';

describe('isForbiddenAddress', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['::1', 'loopback'],
    ['[::1]', 'loopback'],
    ['0:0:0:0:0:0:0:1', 'loopback'],
    ['10.0.0.1', 'private'],
    ['10.255.255.255', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['fc00::1', 'private'],
    ['fd12:3456::1', 'private'],
    ['169.254.0.1', 'link-local'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['febf::1', 'link-local'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['100.127.255.255', 'carrier-grade NAT'],
    ['169.254.169.254', 'cloud metadata'],
    ['fd00:ec2::254', 'cloud metadata'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['::', 'unspecified'],
    ['0:0:0:0:0:0:0:0', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['ff02::1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['240.0.0.1', 'reserved'],
    // IANA's special-purpose ranges, first and last address of each.
    ['192.0.2.0', 'documentation'],
    ['192.0.2.255', 'documentation'],
    ['198.51.100.0', 'documentation'],
    ['198.51.100.255', 'documentation'],
    ['203.0.113.0', 'documentation'],
    ['203.0.113.255', 'documentation'],
    ['2001:db8::', 'documentation'],
    ['2001:db8:ffff:ffff:ffff:ffff:ffff:ffff', 'documentation'],
    ['3fff::', 'documentation'],
    ['3fff:fff:ffff:ffff:ffff:ffff:ffff:ffff', 'documentation'],
    ['198.18.0.0', 'benchmarking'],
    ['198.19.255.255', 'benchmarking'],
    ['2001:2::', 'benchmarking'],
    ['2001:2:0:ffff:ffff:ffff:ffff:ffff', 'benchmarking'],
    ['192.0.0.0', 'IETF protocol assignment'],
    ['192.0.0.170', 'IETF protocol assignment'],
    ['192.0.0.255', 'IETF protocol assignment'],
    ['2001:1::1', 'IETF protocol assignment'],
    ['2001:10::1', 'IETF protocol assignment'],
    ['2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff', 'IETF protocol assignment'],
    ['192.88.99.0', '6to4 relay anycast'],
    ['192.88.99.255', '6to4 relay anycast'],
    ['64:ff9b:1::', 'NAT64 local use'],
    ['64:ff9b:1::7f00:2', 'NAT64 local use'],
    ['64:ff9b:1::808:808', 'NAT64 local use'],
    ['64:ff9b:1:ffff:ffff:ffff:ffff:ffff', 'NAT64 local use'],
    ['2001::', 'Teredo'],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'Teredo'],
    ['2001:0:ffff:ffff:ffff:ffff:ffff:ffff', 'Teredo'],
    ['100::', 'discard-only'],
    ['100::ffff:ffff:ffff:ffff', 'discard-only'],
    ['100:0:0:1::', 'dummy prefix'],
    ['100:0:0:1:ffff:ffff:ffff:ffff', 'dummy prefix'],
    ['5f00::', 'SRv6 SID'],
    ['5f00:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'SRv6 SID'],
    // Outside global unicast (2000::/3), nothing is routable on the internet.
    ['::2:0:0:1', 'reserved'],
    ['1fff:ffff::1', 'reserved'],
    ['4000::1', 'reserved'],
    ['e000::1', 'reserved'],
    // IPv4-mapped, -compatible, translated and NAT64 IPv6 forms are judged by their IPv4 address.
    ['::ffff:127.0.0.1', 'loopback (IPv4 in IPv6)'],
    ['::ffff:7f00:1', 'loopback (IPv4 in IPv6)'],
    ['[::ffff:7f00:1]', 'loopback (IPv4 in IPv6)'],
    ['0:0:0:0:0:ffff:7f00:1', 'loopback (IPv4 in IPv6)'],
    ['::FFFF:7F00:0001', 'loopback (IPv4 in IPv6)'],
    ['::127.0.0.1', 'loopback (IPv4 in IPv6)'],
    ['::ffff:0:127.0.0.1', 'loopback (IPv4 in IPv6)'],
    ['64:ff9b::7f00:1', 'loopback (IPv4 in IPv6)'],
    ['::ffff:10.1.2.3', 'private (IPv4 in IPv6)'],
    ['::ffff:c0a8:101', 'private (IPv4 in IPv6)'],
    ['::ffff:169.254.169.254', 'cloud metadata (IPv4 in IPv6)'],
    ['::ffff:a9fe:a9fe', 'cloud metadata (IPv4 in IPv6)'],
    ['::ffff:100.64.0.1', 'carrier-grade NAT (IPv4 in IPv6)'],
    ['::ffff:0.0.0.0', 'unspecified (IPv4 in IPv6)'],
    ['::ffff:192.0.2.1', 'documentation (IPv4 in IPv6)'],
    // NAT64 (64:ff9b::/96) and 6to4 (2002::/16) reach the IPv4 address they embed.
    ['64:ff9b::a00:1', 'private (IPv4 in IPv6)'],
    ['64:ff9b::169.254.169.254', 'cloud metadata (IPv4 in IPv6)'],
    ['64:ff9b::c612:1', 'benchmarking (IPv4 in IPv6)'],
    ['64:ff9b::cb00:7101', 'documentation (IPv4 in IPv6)'],
    ['2002:7f00:1::', 'loopback (IPv4 in IPv6)'],
    ['2002:7f00:1:ffff:ffff:ffff:ffff:ffff', 'loopback (IPv4 in IPv6)'],
    ['2002:a00:1::1', 'private (IPv4 in IPv6)'],
    ['2002:c0a8:101::', 'private (IPv4 in IPv6)'],
    ['2002:a9fe:a9fe::', 'cloud metadata (IPv4 in IPv6)'],
    ['2002:6440:1::', 'carrier-grade NAT (IPv4 in IPv6)'],
    ['2002::', 'unspecified (IPv4 in IPv6)'],
    ['2002:c000:201::1', 'documentation (IPv4 in IPv6)'],
    ['2002:c612::1', 'benchmarking (IPv4 in IPv6)'],
    // Numeric host forms that resolve to loopback.
    ['2130706433', 'loopback'],
    ['0x7f000001', 'loopback'],
    ['0X7F000001', 'loopback'],
    ['0177.0.0.1', 'loopback'],
    ['127.1', 'loopback'],
    ['0x7f.1', 'loopback'],
    ['017700000001', 'loopback'],
    ['3232235777', 'private'], // 192.168.1.1
    ['2852039166', 'cloud metadata'], // 169.254.169.254
    ['0', 'unspecified'],
    // Not an address at all: refused (the connector resolves names before judging).
    ['localhost', 'not an IP address'],
    ['', 'not an IP address'],
  ])('refuses %s (%s)', (address, reason) => {
    expect(forbiddenReason(address)).toBe(reason);
    expect(isForbiddenAddress(address)).toBe(true);
  });

  it.each([
    '8.8.8.8',
    '1.1.1.1',
    '93.184.216.34',
    '172.15.255.255',
    '172.32.0.0',
    '100.63.255.255',
    '100.128.0.0',
    '169.253.255.255',
    '11.0.0.1',
    '2606:4700:4700::1111',
    '2001:4860:4860::8888',
    '::ffff:8.8.8.8',
    '::ffff:808:808',
    '64:ff9b::808:808',
    '2002:808:808::1', // 6to4 of 8.8.8.8
    '2000::1', // the first and last of global unicast
    '3ffe:ffff::1',
    '2001:200::1', // just past the IETF's 2001::/23
    '2001:db7:ffff::1', // either side of 2001:db8::/32
    '2001:db9::1',
    '3fff:1000::1', // just past 3fff::/20
    '2620:4f:8000::1', // AS112, globally reachable
    '192.0.1.255', // either side of the IPv4 special-purpose blocks
    '192.0.3.0',
    '198.17.255.255',
    '198.20.0.0',
    '198.51.99.255',
    '198.51.101.0',
    '203.0.112.255',
    '203.0.114.0',
    '192.88.98.255',
    '192.88.100.0',
    '223.255.255.255',
    '134744072', // 8.8.8.8
  ])('allows the public address %s', (address) => {
    expect(forbiddenReason(address)).toBeUndefined();
  });

  describe('with FLOWLINE_ALLOW_PRIVATE_TARGETS', () => {
    const allow = TargetAllowList.parse(['127.0.0.0/8', '::1', '10.1.0.0/16', '192.168.7.7', 'fd00:1::/32']);

    it.each([
      '127.0.0.1',
      '127.9.9.9',
      '::1',
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      '2130706433',
      '0x7f000001',
      '0177.0.0.1',
      '127.1',
      '10.1.200.3',
      '192.168.7.7',
      'fd00:1:ffff::1',
    ])('allows %s', (address) => {
      expect(isForbiddenAddress(address, allow)).toBe(false);
    });

    it.each([
      ['10.2.0.1', 'private'],
      ['192.168.7.8', 'private'],
      ['169.254.169.254', 'cloud metadata'],
      ['fd00:2::1', 'private'],
      ['fe80::1', 'link-local'],
      ['0.0.0.0', 'unspecified'],
      ['::', 'unspecified'],
      ['100.64.0.1', 'carrier-grade NAT'],
    ])('still refuses %s (%s)', (address, reason) => {
      expect(forbiddenReason(address, allow)).toBe(reason);
    });

    it('allows host names, exactly or by *.domain, case-insensitively', () => {
      const hosts = TargetAllowList.parse(['crm.internal', '*.corp.example', 'Localhost.']);
      expect(hosts.allowsHost('crm.internal')).toBe(true);
      expect(hosts.allowsHost('CRM.internal.')).toBe(true);
      expect(hosts.allowsHost('a.b.corp.example')).toBe(true);
      expect(hosts.allowsHost('localhost')).toBe(true);
      expect(hosts.allowsHost('corp.example')).toBe(false);
      expect(hosts.allowsHost('evilcorp.example')).toBe(false);
      expect(hosts.allowsHost('crm.internal.evil.com')).toBe(false);
      // A host name allows no address by itself.
      expect(isForbiddenAddress('127.0.0.1', hosts)).toBe(true);
    });

    it('an empty list allows nothing', () => {
      const empty = TargetAllowList.parse(['', ' ']);
      expect(empty.allowsHost('localhost')).toBe(false);
      expect(isForbiddenAddress('127.0.0.1', empty)).toBe(true);
    });

    it.each(['10.0.0.0/33', '::/129', 'not a host!', '10.0.0.0/x', 'example.com/8'])(
      'rejects the invalid entry %s, naming it',
      (entry) => {
        expect(() => TargetAllowList.parse([entry])).toThrow(entry);
      },
    );
  });
});

describe('normaliseAddress and embeddedIpv4', () => {
  it.each([
    ['2130706433', '127.0.0.1'],
    ['0x7f000001', '127.0.0.1'],
    ['0177.0.0.1', '127.0.0.1'],
    ['127.1', '127.0.0.1'],
    ['[::1]', '::1'],
    ['FE80::1%25eth0', 'fe80::1'],
    ['example.com', undefined],
    ['1.2.3.4.5', undefined],
  ])('%s is %s', (host, expected) => {
    expect(normaliseAddress(host)).toBe(expected);
  });

  it.each([
    ['::ffff:7f00:1', '127.0.0.1'],
    ['::ffff:1.2.3.4', '1.2.3.4'],
    ['::1.2.3.4', '1.2.3.4'],
    ['64:ff9b::102:304', '1.2.3.4'],
    ['2002:102:304::', '1.2.3.4'],
    ['2002:102:304:5:6:7:8:9', '1.2.3.4'],
    ['64:ff9b:1::102:304', undefined],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', undefined],
    ['::1', undefined],
    ['::', undefined],
    ['2001:db8::1', undefined],
  ])('%s embeds %s', (address, expected) => {
    expect(embeddedIpv4(address)).toBe(expected);
  });
});
