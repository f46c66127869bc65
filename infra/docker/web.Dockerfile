# syntax=docker/dockerfile:1
# The control plane (apps/web): Next.js dashboard + REST API.
# Build from the repository root: docker build -f infra/docker/web.Dockerfile -t refinery/web .
FROM node:20.20-bookworm-slim AS build
WORKDIR /app
COPY . .
RUN npm ci --no-audit --no-fund \
 && cd apps/web && NEXT_TELEMETRY_DISABLED=1 node ../../node_modules/next/dist/bin/next build

FROM node:20.20-bookworm-slim
ENV NODE_ENV=production NEXT_TELEMETRY_DISABLED=1 PORT=3000
WORKDIR /app
# The workspace packages ship TypeScript sources and the server imports them at run time: keep the tree.
COPY --from=build --chown=1000:1000 /app /app
# The node image's unprivileged user (uid 1000); the chart sets runAsNonRoot with this uid.
USER 1000:1000
EXPOSE 3000
WORKDIR /app/apps/web
CMD ["node", "../../node_modules/next/dist/bin/next", "start", "-H", "0.0.0.0"]
