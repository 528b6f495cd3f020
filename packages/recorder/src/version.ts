declare const __REPRISE_VERSION__: string | undefined;

/** Recorder version sent in Batch.meta.sdk; injected by build.mjs from package.json. */
export const SDK_VERSION: string = typeof __REPRISE_VERSION__ === 'string' ? __REPRISE_VERSION__ : '0.0.0-dev';
