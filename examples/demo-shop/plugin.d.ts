import type { FastifyPluginAsync } from 'fastify';

declare const demoShop: FastifyPluginAsync<{ projectKey: string; sdkUrl?: string }>;
export default demoShop;
/** The release the bundled checkout page (/demo/checkout-bundled) records with. */
export declare const DEMO_RELEASE: string;
