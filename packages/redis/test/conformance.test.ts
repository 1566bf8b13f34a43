import { requireService, runConformance, serviceAddress } from '@pool/testkit';
import { Redis } from 'ioredis';
import { redisProvider } from '../src/index.js';
import { redisUrl, uniqueName } from './helpers.js';

const svc = await requireService('redis');
const name = uniqueName('conformance');

async function killById(client: Redis): Promise<void> {
  const id = await client.client('ID');
  const admin = new Redis(redisUrl(), { maxRetriesPerRequest: 1 });
  try {
    await admin.client('KILL', 'ID', String(id));
  } finally {
    admin.disconnect();
  }
}

runConformance<Redis>({
  name: '@pool/redis',
  provider: (target) => redisProvider({ url: redisUrl(), host: target.host, port: target.port, clientName: name }),
  upstream: () => serviceAddress('redis'),
  roundTrip: async (client) => {
    if ((await client.ping()) !== 'PONG') throw new Error('unexpected PING reply');
  },
  killServerSide: killById,
  skip: svc.available ? undefined : svc.reason,
});
