// A viem account whose key stays in Strongbox; use it wherever viem takes an account.
import { StrongboxClient } from 'strongbox/client';
import { toStrongboxAccount } from 'strongbox/viem';
import { verifyMessage } from 'viem';

const client = new StrongboxClient({ addr: process.env.STRONGBOX_ADDR, token: process.env.STRONGBOX_TOKEN });
const { id } = await client.createKey({ type: 'secp256k1' });
const account = await toStrongboxAccount(client, id);
const signature = await account.signMessage({ message: 'hello from Strongbox' });
console.log(account.address, signature, await verifyMessage({ address: account.address, message: 'hello from Strongbox', signature }));
