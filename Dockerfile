# The Flowline tracking server (and the whole `flowline` CLI) as an image.
#   docker build -t flowline/server:0.1.0 .
#   docker run -p 5000:5000 -e MLFLOW_BACKEND_STORE_URI=postgresql://… flowline/server:0.1.0
# Its configuration is the server's own: MLFLOW_BACKEND_STORE_URI, MLFLOW_ARTIFACTS_DESTINATION (s3://…),
# AWS_* and MLFLOW_S3_ENDPOINT_URL, MLFLOW_AUTH_CONFIG_PATH with `server --app-name basic-auth`.
# See docs/deploy.md; `flowline deploy kubernetes server` runs it as replicas.

# Build: the pinned pnpm, the locked dependencies (better-sqlite3 compiles when no prebuilt binary is
# reachable), every package the CLI needs and the web UI, then `pnpm deploy` of the CLI with production
# dependencies only.
FROM node:20-bookworm-slim AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3 make g++ \
    && rm -rf /var/lib/apt/lists/*
RUN npm install --global pnpm@12.4.2
WORKDIR /src
COPY . .
ENV TURBO_TELEMETRY_DISABLED=1 npm_config_nodedir=/usr/local
RUN pnpm install --frozen-lockfile \
    && pnpm exec turbo run build --filter=@flowline/cli... --filter=@flowline/web \
    && pnpm --filter=@flowline/cli deploy --prod /opt/flowline \
    && cp -r apps/web/dist /opt/flowline/web

# Run: the deployed CLI on a slim Node 20, as the unprivileged node user.
FROM node:20-bookworm-slim
COPY --from=build /opt/flowline /opt/flowline
RUN ln -s /opt/flowline/dist/main.js /usr/local/bin/flowline && chmod +x /opt/flowline/dist/main.js
USER node
WORKDIR /home/node
ENV NODE_ENV=production \
    FLOWLINE_WEB_DIST=/opt/flowline/web \
    MLFLOW_HOST=0.0.0.0 \
    MLFLOW_PORT=5000
EXPOSE 5000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.MLFLOW_PORT + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["flowline"]
CMD ["server"]
