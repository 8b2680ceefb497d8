/**
 * The exposition text of counters: label sets sorted by name, values escaped as the Prometheus text
 * format (version 0.0.4) requires — backslash, newline and double quote, and nothing else.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Counter } from './metrics.js';

describe('metrics exposition', () => {
  it('escapes \\\\, newline and " in label values and leaves every other character as it is', () => {
    const c = new Counter('strongbox_test_total', 'test');
    c.inc({ route: '/v1/keys/:id/sign', outcome: 'success' });
    c.inc({ route: 'a\\b"c\nd', outcome: 'error' }, 2);
    c.inc({ outcome: 'success', route: '/v1/keys/:id/sign' });
    c.inc({ route: 'ünïcode ✓ {x}', outcome: 'success' });
    assert.deepEqual(c.lines().sort(), [
      'strongbox_test_total{outcome="error",route="a\\\\b\\"c\\nd"} 2',
      'strongbox_test_total{outcome="success",route="/v1/keys/:id/sign"} 2',
      'strongbox_test_total{outcome="success",route="ünïcode ✓ {x}"} 1',
    ]);
    assert.equal(c.get({ route: 'a\\b"c\nd', outcome: 'error' }), 2);
  });
});
