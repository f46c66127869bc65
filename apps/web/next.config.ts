import type { NextConfig } from 'next';
import { fileURLToPath } from 'node:url';

const config: NextConfig = {
  // Workspace packages ship TypeScript sources.
  transpilePackages: ['@refinery/core', '@refinery/db', '@refinery/storage'],
  // Native/grpc clients stay plain Node requires instead of being bundled.
  serverExternalPackages: ['@temporalio/client', '@temporalio/common', '@temporalio/proto', 'pg', '@aws-sdk/client-s3', '@aws-sdk/lib-storage'],
  turbopack: { root: fileURLToPath(new URL('../..', import.meta.url)) },
  poweredByHeader: false,
  typedRoutes: false,
};

export default config;
