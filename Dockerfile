# mailroute's production image. Build: docker build -t ghcr.io/mailroute/mailroute:0.1.0 .
# It has no redis-server and no PostgreSQL server: the embedded Redis and PostgreSQL are for laptops, so
# REDIS_URL and DATABASE_URL must be set (see deploy/k8s).

# Compiles src/ into dist/ with the dev dependencies: the Nest CLI, TypeScript and the Swagger plugin
# (nest-cli.json) that turns the DTO types into the OpenAPI schemas; bundles the console into console/dist.
# Node 26 is the Active LTS line (maintained until April 2029); Debian 13 trixie, the default of Node 26's
# images, is supported beyond that, while bookworm is already oldstable.
FROM node:26-trixie-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY nest-cli.json tsconfig.json tsconfig.build.json ./
COPY src ./src
# The console (console/, bundled by esbuild) calls the API through the typed client's sources.
COPY scripts/build-console.js ./scripts/
COPY clients/typescript/src ./clients/typescript/src
COPY console ./console
RUN npm run build

# Runtime dependencies and the compiled code only.
FROM node:26-trixie-slim AS production
ENV NODE_ENV=production
# A container is reached through its network interface. Listening there, an API process refuses to start
# without API_KEYS, so an image run without keys stops instead of serving an open relay.
ENV HOST=0.0.0.0
ENV PORT=3000
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY --from=build /app/console/dist ./console/dist
# Files stay root-owned and read-only to the process.
USER node
EXPOSE 3000
CMD ["node", "dist/main"]
