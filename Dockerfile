# The recon worker and the HTTP API as one image: `node bin/recon.js worker` (the default) or
# `node bin/recon.js api` (see docker-compose.yml).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production RECON_CACHE_DIR=/tmp/capital-recon-cache LOG_FORMAT=json
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
COPY --from=build /app/scripts/guard.sh ./scripts/guard.sh
# Owned by node before the volume is mounted there: a new named volume takes the image's ownership.
RUN mkdir -p /data/statements && chown node:node /data/statements
ENV RECON_STATEMENTS_DIR=/data/statements
USER node
EXPOSE 8088
CMD ["node", "bin/recon.js", "worker"]
