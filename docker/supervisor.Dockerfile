# syntax=docker/dockerfile:1
# The Workty supervisor (run engine and socket.io hub, WSS). Build from the repository root:
#   docker buildx build -f docker/supervisor.Dockerfile -t workty/supervisor .
# Configuration: environment variables and mounted files only (docs/configuration.md); no secret is
# baked in: the TLS key, the admin password, the MongoDB URL and the metrics token come at run time.
# On first start it seeds the store: dictionaries, the admin account, the sample workties.
ARG NODE_IMAGE=node:20-bookworm-slim

# 1. Compile the TypeScript on the build machine's own platform (no emulation; no native module needed).
FROM --platform=$BUILDPLATFORM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN npx tsc -p .

# 2. Production dependencies for the target platform: bcrypt and better-sqlite3 are native modules
#    (prebuilt binaries when published for the platform, else compiled here).
FROM ${NODE_IMAGE} AS deps
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# 3. The image: Node, tini as PID 1 (forwards SIGTERM, reaps), production modules, compiled code and
#    the sample workties it seeds.
FROM ${NODE_IMAGE}
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    WORKTY_DATA_DIR=/var/lib/workty \
    WORKTY_SUPERVISOR_HOST=0.0.0.0 \
    WORKTY_SUPERVISOR_PORT=3000
WORKDIR /app
COPY package.json ./
COPY --from=deps /src/node_modules ./node_modules
COPY --from=build /src/dist/config ./dist/config
COPY --from=build /src/dist/shared ./dist/shared
COPY --from=build /src/dist/supervisor ./dist/supervisor
COPY shared/seed/workties ./shared/seed/workties
RUN mkdir -p /var/lib/workty && chown node:node /var/lib/workty
USER node
EXPOSE 3000
# Give `docker stop` more than WORKTY_SUPERVISOR_SHUTDOWN_FORCE (30 s): compose sets stop_grace_period.
STOPSIGNAL SIGTERM
# Asks the supervisor in this container for GET /health (200 while it serves and its store answers).
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 CMD ["node", "dist/supervisor/main.js", "--check"]
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "dist/supervisor/main.js"]
