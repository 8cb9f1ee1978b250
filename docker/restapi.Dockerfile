# syntax=docker/dockerfile:1
# The Workty REST API (HTTPS, /api/v1). Build from the repository root:
#   docker buildx build -f docker/restapi.Dockerfile -t workty/restapi .
# Configuration: environment variables and mounted files only (docs/configuration.md); no secret is
# baked in: the TLS key, the MongoDB URL and the metrics token come at run time (docker/README.md).
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

# 3. The image: Node, tini as PID 1 (forwards SIGTERM, reaps), production modules, compiled code.
FROM ${NODE_IMAGE}
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    WORKTY_DATA_DIR=/var/lib/workty \
    WORKTY_REST_HOST=0.0.0.0 \
    WORKTY_REST_PORT=9999
WORKDIR /app
COPY package.json ./
COPY --from=deps /src/node_modules ./node_modules
COPY --from=build /src/dist/config ./dist/config
COPY --from=build /src/dist/shared ./dist/shared
COPY --from=build /src/dist/restapi ./dist/restapi
RUN mkdir -p /var/lib/workty && chown node:node /var/lib/workty
USER node
EXPOSE 9999
STOPSIGNAL SIGTERM
# Asks the server in this container for GET /api/v1/health (200 unless the store is down).
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 CMD ["node", "dist/restapi/main.js", "--check"]
ENTRYPOINT ["/usr/bin/tini", "--"]
# restify's spdy reaches into process.binding (DEP0111) at start: a known, harmless warning, hidden as
# everywhere else in Workty (npm start, the tests).
CMD ["node", "--disable-warning=DEP0111", "dist/restapi/main.js"]
