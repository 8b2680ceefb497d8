import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { redactPostgresUrl } from './index.js';

describe('redactPostgresUrl', () => {
  const cases: [string, string, string][] = [
    ['user:password@', 'postgres://strongbox:hunter2@db.internal:5432/sb', 'hunter2'],
    ['?password=', 'postgres://strongbox@db.internal:5432/sb?password=hunter2&sslmode=require', 'hunter2'],
    ['?sslpassword=', 'postgres://strongbox@db.internal/sb?sslpassword=s3cret', 's3cret'],
    ['a password with / (parsed as a port and a path)', 'postgres://u:1234/abc@db.internal/sb', '1234/abc'],
  ];
  for (const [label, url, secret] of cases) {
    it(`hides the password given as ${label}, keeps the rest`, () => {
      const shown = redactPostgresUrl(url);
      assert.ok(!shown.includes(secret), shown);
      assert.match(shown, /db\.internal/);
      assert.match(shown, /\*\*\*/);
    });
  }
  it('an unparseable URL is not echoed', () => {
    assert.equal(redactPostgresUrl('postgres://a:b@[bad'), 'postgres://…');
  });
});
