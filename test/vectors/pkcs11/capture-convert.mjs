// Turns proxy logs (cap.N.json) into the committed fixture: per connection, the version bytes and the frames each way.
import fs from 'node:fs';
const names = ['list-slots (pkcs11-tool -L)', 'keypairgen EC P-256 (pkcs11-tool --keypairgen)', 'sign ECDSA (pkcs11-tool --sign -m ECDSA)', 'list objects after login (pkcs11-tool -O)', 'wrong PIN (CKR_PIN_INCORRECT)', 'generate random 16', 'digest SHA256', 'verify ECDSA'];
function frames(buf) { const out = []; let at = 0; while (at + 12 <= buf.length) { const o = buf.readUInt32BE(at + 4), d = buf.readUInt32BE(at + 8); out.push(buf.subarray(at, at + 12 + o + d).toString('hex')); at += 12 + o + d; } if (at !== buf.length) throw new Error('partial frame'); return out; }
const sessions = names.map((name, i) => {
  const log = JSON.parse(fs.readFileSync(`/tmp/p11cap/cap.${i}.json`, 'utf8'));
  const c = Buffer.concat(log.filter((e) => e.dir === 'c2s').map((e) => Buffer.from(e.hex, 'hex')));
  const s = Buffer.concat(log.filter((e) => e.dir === 's2c').map((e) => Buffer.from(e.hex, 'hex')));
  return { name, clientVersion: c[0], serverVersion: s[0], requests: frames(c.subarray(1)), responses: frames(s.subarray(1)) };
});
fs.writeFileSync(process.argv[2], JSON.stringify({
  note: 'Frames captured on Debian 12 between p11-kit 0.24.1 p11-kit-client.so (driven by OpenSC pkcs11-tool 0.23) and `p11-kit server --provider libsofthsm2.so` (SoftHSM 2.6.1), through a logging Unix-socket proxy; see test/vectors/pkcs11/README.md. Test PIN 1234 of a throwaway SoftHSM token.',
  sessions }, null, 1) + '\n');
