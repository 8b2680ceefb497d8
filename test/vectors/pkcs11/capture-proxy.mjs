// logs every byte each way between a p11-kit client and server socket
import net from 'node:net'; import fs from 'node:fs';
const [listen, target, out] = process.argv.slice(2);
try { fs.unlinkSync(listen) } catch {}
let n = 0;
net.createServer((c) => {
  const id = n++; const log = [];
  const s = net.connect(target);
  c.on('data', (d) => { log.push({ dir: 'c2s', hex: d.toString('hex') }); s.write(d); });
  s.on('data', (d) => { log.push({ dir: 's2c', hex: d.toString('hex') }); c.write(d); });
  const end = () => { fs.writeFileSync(`${out}.${id}.json`, JSON.stringify(log)); c.destroy(); s.destroy(); };
  c.on('close', end); s.on('close', end); c.on('error', ()=>{}); s.on('error', ()=>{});
}).listen(listen);
