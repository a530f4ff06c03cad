# syntax=docker/dockerfile:1
# Build stage: compile TypeScript and better-sqlite3's native addon for this exact image.
FROM node:24-bookworm-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

# Runtime stage: no compiler, no dev dependencies, not root.
FROM node:24-bookworm-slim
ENV NODE_ENV=production \
    PROVISIOND_CONFIG=/etc/provisiond/provisiond.yaml
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY config ./config
RUN ln -s /app/dist/main.js /usr/local/bin/provisiond && chmod +x /app/dist/main.js \
 && mkdir -p /data /etc/provisiond && chown node:node /data
USER node
VOLUME ["/data"]
ENTRYPOINT ["provisiond"]
