# One image for all four services: `signalbox start <service>` picks one (all four if none).
# Node 24 runs TypeScript by stripping its types; the image does that once, at build time
# (scripts/compile-tree.mjs), so no service loads the type stripper: ~25–30 MB less RSS in each
# process (bench/RESULTS.md). The image is the stripped sources plus production dependencies.
# test/image.test.ts checks this file and runs its install, build and start commands outside Docker.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
# Every workspace's manifest, so npm ci links all of them (the tests fail when one is missing).
COPY packages/cli/package.json packages/cli/
COPY packages/contracts/package.json packages/contracts/
COPY packages/manifests/package.json packages/manifests/
COPY packages/runtime/package.json packages/runtime/
COPY packages/testkit/package.json packages/testkit/
COPY packages/triggers/package.json packages/triggers/
COPY services/event-listener/package.json services/event-listener/
COPY services/manifest-updater/package.json services/manifest-updater/
COPY services/notifier/package.json services/notifier/
COPY services/run-scheduler/package.json services/run-scheduler/
# The base image already is Node 24: no npm `node` binary, no dev tools, no install scripts
# (msgpackr's optional native extension is skipped; it falls back to JavaScript).
RUN npm ci --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund
COPY scripts/compile-tree.mjs scripts/
COPY packages ./packages
COPY services ./services
RUN node --disable-warning=ExperimentalWarning scripts/compile-tree.mjs packages services

FROM node:24-bookworm-slim
# git: the manifest-updater drives the real git CLI. tini: PID 1 that forwards SIGTERM to node
# (which then drains) and reaps git's exited children; node as PID 1 would do neither.
RUN apt-get update \
 && apt-get install -y --no-install-recommends git tini ca-certificates \
 && rm -rf /var/lib/apt/lists/*
# V8's heap sizing. Without a limit V8 sizes the heap from the machine's memory (on 24 GB: a 4 GB
# old generation, which it lets run far ahead of the live objects, and 64 MB semi-spaces), so 30–45
# MB of live heap showed as 300–500 MB RSS under load. With a 1 GB old generation V8 collects
# sooner (it grows a small heap by a smaller factor); 8 MB semi-spaces make the young generation an
# eighth of the default. At 100 deliveries/s × 10 PipelineRuns the listener peaks at ~145 MB
# (~320 with V8's defaults, ~160 with 16 MB semi-spaces) and idles at ~117 MB (~133 with 16). The
# run-scheduler, which allocates the most per delivery, runs with 16 MB semi-spaces (its Compose
# service and Deployment set NODE_OPTIONS): with 8 it spent ~7 % more CPU. A process whose live
# heap passed 1 GB would stop with "heap out of memory" rather than keep growing. Set your own
# NODE_OPTIONS to change it (bench/RESULTS.md, rounds 2 and 4).
ENV NODE_ENV=production \
    NODE_OPTIONS="--max-semi-space-size=8 --max-old-space-size=1024" \
    SIGNALBOX_CONFIG=/etc/signalbox/config \
    SIGNALBOX_SECRETS_DIR=/etc/signalbox/secrets \
    HOME=/var/lib/signalbox
WORKDIR /app
COPY --from=build /app ./
# The only writable place (the root filesystem may be read-only): the working directory, so the
# relative defaults — ./out (dry-run PipelineRuns), ./.signalbox/work (clones), local manifest
# repositories — land here; mount a volume or an emptyDir on it.
RUN mkdir -p /var/lib/signalbox && chown 10001:10001 /var/lib/signalbox
WORKDIR /var/lib/signalbox
USER 10001:10001
EXPOSE 8080 9090
ENTRYPOINT ["/usr/bin/tini", "--", "/app/node_modules/.bin/signalbox"]
CMD ["start"]
