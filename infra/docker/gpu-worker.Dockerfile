# syntax=docker/dockerfile:1
# A GPU worker (workers/gpu) with the Python trainer (workers/trainer) and llama.cpp's tools for the
# GGUF stages. CUDA runtime base; PyPI's torch wheels for Linux carry their CUDA libraries and need
# an NVIDIA driver on the node (the NVIDIA device plugin exposes nvidia.com/gpu).
# Build from the repository root: docker build -f infra/docker/gpu-worker.Dockerfile -t refinery/gpu-worker .
FROM node:20.20-bookworm-slim AS node

FROM nvidia/cuda:12.8.1-runtime-ubuntu24.04 AS build
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential cmake git ca-certificates python3 python3-venv \
 && rm -rf /var/lib/apt/lists/*
COPY --from=node /usr/local/bin/node /usr/local/bin/
COPY --from=node /usr/local/lib/node_modules /usr/local/lib/node_modules
RUN ln -s /usr/local/lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm
WORKDIR /app
COPY . .
RUN npm ci --no-audit --no-fund
# The trainer's pinned venv (the same requirements file scripts/bootstrap installs).
RUN python3 -m venv /opt/venv && /opt/venv/bin/pip install --no-cache-dir -r workers/trainer/requirements.txt
# llama.cpp from the source node-llama-cpp ships, with scripts/bootstrap's patches and flags (step 3), CPU tools:
# bin/ + the source tree (convert_hf_to_gguf.py and its gguf-py).
RUN git clone --quiet node_modules/node-llama-cpp/llama/gitRelease.bundle /opt/llama.cpp \
 && cd /opt/llama.cpp && git rev-parse HEAD > COMMIT \
 && for p in /app/scripts/llama.cpp-patches/*.patch; do git apply "$p"; done \
 && cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=OFF -DBUILD_SHARED_LIBS=OFF \
      -DLLAMA_CURL=OFF -DLLAMA_OPENSSL=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF \
      -DLLAMA_BUILD_SERVER=OFF -DGGML_CCACHE=OFF \
 && cmake --build build --config Release -j"$(nproc)" \
      --target llama-quantize llama-perplexity llama-completion llama-tokenize \
 && mkdir bin && cp build/bin/llama-quantize build/bin/llama-perplexity build/bin/llama-completion build/bin/llama-tokenize bin/ \
 && rm -rf build .git

FROM nvidia/cuda:12.8.1-runtime-ubuntu24.04
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      python3 ca-certificates libgomp1 \
 && rm -rf /var/lib/apt/lists/*
COPY --from=node /usr/local/bin/node /usr/local/bin/
ENV NODE_ENV=production REFINERY_BASE_DIR=/app \
    REFINERY_PYTHON=/opt/venv/bin/python REFINERY_LLAMA_CPP=/opt/llama.cpp
COPY --from=build /opt/venv /opt/venv
COPY --from=build /opt/llama.cpp /opt/llama.cpp
COPY --from=build --chown=1000:1000 /app /app
# ubuntu:24.04 ships user "ubuntu" as uid 1000; the chart runs every pod as uid 1000, non-root.
USER 1000:1000
WORKDIR /app
CMD ["node", "--import", "tsx", "workers/gpu/src/main.ts"]
