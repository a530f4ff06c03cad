# syntax=docker/dockerfile:1
# provisiond: docker build -t provisiond .
#   docker run -d --name provisiond -p 8080:8080 -v provisiond-data:/data \
#     -v "$PWD/provisiond.yaml:/etc/provisiond/provisiond.yaml:ro" --env-file provisiond.env provisiond
#   docker exec provisiond provisiond --sync-now      # hands the cycle to the running daemon
# The Node major CI tests (20): better-sqlite3 is compiled against it, and what ships is what was tested.
ARG NODE_IMAGE=node:20-bookworm-slim

# Build stage: compile TypeScript, and better-sqlite3's native addon against this image's Node.
FROM ${NODE_IMAGE} AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
# From source, against the headers the image ships: no prebuilt binary to download, and an ABI that
# matches the runtime stage's Node because both stages are the same image.
ENV npm_config_build_from_source=true \
    npm_config_nodedir=/usr/local
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

# Runtime stage: no compiler, no dev dependencies, not root. It writes only to /data (the state
# database; SQLite keeps its temporary files in memory), so the root filesystem can be read-only.
FROM ${NODE_IMAGE}
# PROVISIOND_HOST: the HTTP endpoint listens on every interface in a container (127.0.0.1 outside
# one), so that -p 8080:8080 and Kubernetes probes reach it; server.host in the config overrides it.
ENV NODE_ENV=production \
    PROVISIOND_CONFIG=/etc/provisiond/provisiond.yaml \
    PROVISIOND_HOST=0.0.0.0
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# package.json carries "type": "module", which dist/ needs, and the version /metrics reports.
COPY package.json ./
# The annotated examples and the JSON Schema; never an admin's config/provisiond.yaml (.dockerignore).
COPY config ./config
RUN ln -s /app/dist/main.js /usr/local/bin/provisiond \
 && chmod +x /app/dist/main.js \
 && mkdir -p /data /etc/provisiond \
 && chown node:node /data
# Numeric, so that Kubernetes' runAsNonRoot can verify it (uid 1000 is the image's node user).
USER 1000:1000
VOLUME ["/data"]
EXPOSE 8080
# Probes GET /healthz on the port the config's server.port names (read from $PROVISIOND_CONFIG),
# so a changed port needs no change here. The slim image has no curl; provisiond does the probe.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["provisiond", "healthcheck"]
# `docker run IMAGE provisiond --sync-now` works too: the CLI drops a leading "provisiond".
ENTRYPOINT ["provisiond"]
