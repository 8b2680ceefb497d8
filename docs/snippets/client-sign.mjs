// Sign a 32-byte digest with a new secp256k1 key (STRONGBOX_ADDR, STRONGBOX_TOKEN from the environment).
import { StrongboxClient } from 'strongbox/client';

const client = new StrongboxClient({ addr: process.env.STRONGBOX_ADDR, token: process.env.STRONGBOX_TOKEN });
const key = await client.createKey({ type: 'secp256k1' });
const { signature } = await client.sign(key.id, {
  digest: '0x9c22ff5f21f0b81b113e63f7db6da94fedef11b2119b4088b89664fb9a3cb658',
  encoding: 'recoverable',
});
console.log(key.address, signature);
