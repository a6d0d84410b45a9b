# syntax=docker/dockerfile:1
# The service as a container (docs/deployment.md). Not built on this project's machines,
# which have no container runtime: scripts/check-production-install.sh runs the same steps in CI.

# --- build: all dependencies, TypeScript to dist/ ---------------------------------------
FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# --- run: production dependencies and dist/ only, as a non-root user -------------------------
FROM node:24-slim
# Memory tuning, when a container's limit asks for it: docs/deployment.md, Memory.
ENV NODE_ENV=production PORT=8080
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
USER node
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.PORT + '/health/ready').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# node itself, not npm: it receives SIGTERM and drains (docs/deployment.md).
CMD ["node", "dist/main.js"]
