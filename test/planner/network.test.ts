// The /24 a run's vSwitch takes in a shared VPC: inside the VPC, clear of every other vSwitch, found
// from a per-run starting point so concurrent runs rarely race, and none when the VPC is full.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { freeSubnet } from '../../planner/network';

describe('freeSubnet', () => {
  const cases: [string, string, string[], number, string | undefined][] = [
    ['empty VPC, start 0', '172.16.0.0/12', [], 0, '172.16.0.0/24'],
    ['start moves the search', '172.16.0.0/12', [], 5, '172.16.5.0/24'],
    ['start wraps around the VPC', '192.168.0.0/16', [], 256 + 3, '192.168.3.0/24'],
    ['skips a taken /24', '192.168.0.0/16', ['192.168.3.0/24'], 3, '192.168.4.0/24'],
    ['skips a wider block that covers it', '192.168.0.0/16', ['192.168.0.0/22'], 1, '192.168.4.0/24'],
    ['skips a narrower block inside it', '192.168.0.0/16', ['192.168.7.128/25'], 7, '192.168.8.0/24'],
    ['a /24 VPC has one block', '10.0.5.0/24', [], 9, '10.0.5.0/24'],
    ['a full /24 VPC has none', '10.0.5.0/24', ['10.0.5.0/24'], 0, undefined],
    ['full /23', '10.0.4.0/23', ['10.0.4.0/24', '10.0.5.0/24'], 0, undefined],
    ['a VPC narrower than /24 holds no /24', '10.0.0.0/25', [], 0, undefined],
    ['unparsable VPC CIDR', 'not-a-cidr', [], 0, undefined],
    ['unparsable taken entries are ignored', '10.0.0.0/16', ['junk'], 0, '10.0.0.0/24'],
  ];
  for (const [name, vpc, taken, start, want] of cases) {
    test(name, () => assert.equal(freeSubnet(vpc, taken, start), want));
  }

  test('every block of a /20 is handed out once, then none', () => {
    const taken: string[] = [];
    for (let i = 0; i < 16; i++) {
      const next = freeSubnet('10.1.0.0/20', taken, i * 7);
      assert.ok(next, `block ${i}`);
      assert.ok(!taken.includes(next));
      taken.push(next);
    }
    assert.equal(freeSubnet('10.1.0.0/20', taken, 3), undefined);
  });
});
