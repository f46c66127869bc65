# syntax=docker/dockerfile:1
# The pipeline worker (workers/pipeline): the workflow and the CPU stages. Also runs the chart's
# migrations Job (packages/db/src/migrate-main.ts).
# Build from the repository root: docker build -f infra/docker/pipeline-worker.Dockerfile -t refinery/pipeline-worker .
FROM node:20.20-bookworm-slim AS build
WORKDIR /app
COPY . .
RUN npm ci --no-audit --no-fund

FROM node:20.20-bookworm-slim
ENV NODE_ENV=production REFINERY_BASE_DIR=/app
WORKDIR /app
COPY --from=build --chown=1000:1000 /app /app
USER 1000:1000
CMD ["node", "--import", "tsx", "workers/pipeline/src/main.ts"]
