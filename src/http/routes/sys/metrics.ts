import { defineRoute } from '../../route.js';

export default defineRoute({
  method: 'GET',
  url: '/metrics',
  operationId: 'getMetrics',
  summary: 'Prometheus metrics (text exposition format 0.0.4): requests and latency by route and outcome, signatures by key type, seal state, audit write latency and batch size, key-cache hits, storage errors',
  tags: ['sys'],
  auth: 'token',
  requiresUnsealed: false,
  action: 'sys:metrics',
  successStatus: 200,
  schema: { response: { 200: { type: 'string', description: 'text/plain; version=0.0.4' } } },
  handler: async ({ services, reply }) => {
    reply.type('text/plain; version=0.0.4; charset=utf-8');
    return services.ctx.metrics.render();
  },
});
