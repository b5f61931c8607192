# syntax=docker/dockerfile:1

# One image serves both roles: the default CMD starts the HTTP API; the worker overrides the
# command with dist/src/worker.js (see docker-compose.yml).

ARG NODE_IMAGE=node:20-bookworm-slim

# ---------------------------------------------------------------------------------------------
# build: install every dependency, compile with swc, then drop the dev dependencies.
# ---------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app

# node:20 ships npm 10, which ignores the "allowScripts" list in package.json and would run every
# install script (including the ones the project turns off). Use the npm 11 the project uses.
ARG NPM_VERSION=11.19.1
RUN --mount=type=cache,target=/root/.npm npm install --global npm@${NPM_VERSION}

# Manifests first, so the dependency layer is rebuilt only when they change, not on every edit.
COPY package.json package-lock.json .npmrc ./
RUN --mount=type=cache,target=/root/.npm npm ci

COPY . .
# model-store/ and templates/ may be empty, and git does not keep empty folders, so a fresh
# clone can lack them: create them here so the runtime stage can always copy them.
RUN npm run build \
    && npm prune --omit=dev \
    && mkdir -p model-store templates

# ---------------------------------------------------------------------------------------------
# runtime: production dependencies and compiled output only, run as the unprivileged node user.
# ---------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
WORKDIR /app

# Absolute paths so the folders do not depend on the working directory of whoever runs the image.
# HOST: a container's port is reached from outside it, so the server binds every interface here
# (the service's own default is loopback).
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    DATA_DIR=/app/data \
    MODEL_STORE_DIR=/app/model-store

# Left owned by root: the node user can read the code and models but not change them.
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/model-store ./model-store
COPY --from=build /app/templates ./templates

# The only folder the app writes to (local artifacts; the embedded PostgreSQL when no
# DATABASE_URL is given). Mount a volume here to keep it across containers.
RUN mkdir -p data && chown node:node data

USER node

EXPOSE 3000

# The app drains in-flight requests and jobs on SIGTERM (within SHUTDOWN_TIMEOUT_MS).
STOPSIGNAL SIGTERM

# Slim images have no curl; Node 20 has a global fetch. Liveness only: /ready also checks the
# database and the queue, and a dependency outage should not mark the process itself unhealthy.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# node directly rather than npm start: npm would rebuild (prestart) and does not forward signals.
# The flags are npm start's (see package.json).
CMD ["node", "--enable-source-maps", "--max-semi-space-size=64", "dist/src/main.js"]
