# syntax=docker/dockerfile:1
# The Workty worker daemon, for boards. One Dockerfile for every platform:
#   docker buildx build --platform linux/amd64,linux/arm64,linux/arm/v7 -f docker/worker.Dockerfile -t REGISTRY/workty-worker --push .
# The image holds only what the worker loads (traced by scripts/worker-files.ts: no server code, no
# native module), so the same files serve every platform and nothing is compiled for the board.
# Configuration: environment variables and mounted files only; the device secret comes at run time
# (WORKTY_DEVICE_SECRET_FILE, a docker secret) and is never baked in.
ARG NODE_IMAGE=node:20-bookworm-slim

# 1. Compile and trace on the build machine's own platform (no emulation).
FROM --platform=$BUILDPLATFORM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN npx tsc -p . && node dist/scripts/worker-files.js --out /out

# 2. The image for the target platform: Node (runtime `node`), python3 and sh for tasks, tini as
#    PID 1 (forwards SIGTERM to the worker, reaps what tasks leave behind). More packages for your
#    tasks: --build-arg EXTRA_APT_PACKAGES="curl jq".
FROM ${NODE_IMAGE}
ARG EXTRA_APT_PACKAGES=""
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini python3 ${EXTRA_APT_PACKAGES} \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    WORKTY_WORKER_DIR=/var/lib/workty/worker \
    WORKTY_WORKER_STATUS_FILE=/run/workty/status.json
WORKDIR /app
COPY --from=build /out/ ./
RUN mkdir -p /var/lib/workty/worker /run/workty && chown -R node:node /var/lib/workty /run/workty
USER node
# The outbox and the package cache: keep them across restarts (reports survive a crash).
VOLUME ["/var/lib/workty/worker"]
# Give `docker stop` time to let running tasks finish and hand back the rest: WORKTY_WORKER_SHUTDOWN_GRACE
# + WORKTY_WORKER_KILL_GRACE + a few seconds at least (docker stop -t 60, compose stop_grace_period).
STOPSIGNAL SIGTERM
# Reads the status the worker keeps (worker/status.ts): healthy while it runs and talks to its supervisor.
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 CMD ["node", "dist/worker/main.js", "--check"]
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "--lite-mode", "--max-semi-space-size=1", "--no-expose-wasm", "dist/worker/main.js"]
