# One image for all four services: `signalbox start <service>` picks one (all four if none).
# Node 24 runs the TypeScript sources directly (type stripping): there is no build step.
FROM node:24-slim AS deps
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
COPY packages/contracts/package.json packages/contracts/
COPY packages/runtime/package.json packages/runtime/
COPY packages/triggers/package.json packages/triggers/
COPY packages/testkit/package.json packages/testkit/
COPY packages/cli/package.json packages/cli/
COPY services/event-listener/package.json services/event-listener/
COPY services/run-scheduler/package.json services/run-scheduler/
COPY services/notifier/package.json services/notifier/
COPY services/manifest-updater/package.json services/manifest-updater/
# The base image already is Node 24: no npm `node` binary, no dev tools, no install scripts
# (msgpackr's optional native extension is skipped; it falls back to JavaScript).
RUN npm ci --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund

FROM node:24-slim
ENV NODE_ENV=production \
    SIGNALBOX_CONFIG=/etc/signalbox/config \
    SIGNALBOX_SECRETS_DIR=/etc/signalbox/secrets \
    SIGNALBOX_OUT_DIR=/out
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY packages ./packages
COPY services ./services
# The dry-run backend's output: a fresh named volume takes this ownership.
RUN mkdir -p /out && chown 10001:10001 /out
USER 10001:10001
EXPOSE 8080 9090
ENTRYPOINT ["node", "packages/cli/bin/signalbox.js"]
CMD ["start"]
