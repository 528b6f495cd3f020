import type { FastifyPluginAsync } from 'fastify';

declare const demoShop: FastifyPluginAsync<{ projectKey: string; sdkUrl?: string }>;
export default demoShop;
