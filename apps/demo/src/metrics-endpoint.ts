import { createServer, type Server } from 'node:http';
import { PROMETHEUS_CONTENT_TYPE, type PrometheusExporter } from '@pool/metrics';
import { closeServer } from './servers/listen.js';

/** The demo's `/metrics` server on 127.0.0.1. */
export interface MetricsEndpoint {
  url: string;
  /** Requests answered so far. */
  scrapes(): number;
  close(): Promise<void>;
}

/**
 * Serves `exporter.collect()` at `/metrics` on 127.0.0.1:`port`. When that port is taken, falls
 * back to a free one (and says so through `note`).
 */
export async function startMetricsEndpoint(exporter: PrometheusExporter, port: number, note: (message: string) => void): Promise<MetricsEndpoint> {
  let scrapes = 0;
  const server = createServer((req, res) => {
    if (req.url !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('try /metrics\n');
      return;
    }
    scrapes++;
    res.writeHead(200, { 'content-type': PROMETHEUS_CONTENT_TYPE }).end(req.method === 'HEAD' ? undefined : exporter.collect());
  });
  let bound: number;
  try {
    bound = await listen(server, port);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || port === 0) throw error;
    note(`port ${port} is in use; /metrics moves to a free port`);
    bound = await listen(server, 0);
  }
  return {
    url: `http://127.0.0.1:${bound}/metrics`,
    scrapes: () => scrapes,
    async close() {
      server.closeAllConnections();
      await closeServer(server);
    },
  };
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port }, () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}
