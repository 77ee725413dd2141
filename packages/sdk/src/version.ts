/** Sent in the User-Agent header. Keep in step with package.json. */
export const SDK_VERSION = '0.1.0';
