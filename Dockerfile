# ppob-contract in a container: a static (musl) build, copied alone onto distroless's
# static image (CA certificates for HTTPS sandboxes, no shell), run as its non-root user.
#
#   docker build -t ppob-contract --build-arg COMMIT="$(git rev-parse --short=12 HEAD)" .
#   docker run --rm ppob-contract check
#   docker run --rm -v "$PWD:/work" -w /work -e PPOB_API_KEY -e PPOB_API_SECRET \
#     ppob-contract check --config ppob-contract.toml --report junit=out/junit.xml
#
# `mock` listens on 127.0.0.1 only, so it serves only inside its container.

FROM rust:1-alpine AS build
RUN apk add --no-cache musl-dev
WORKDIR /src
# The commit for --version (.git is not in the build context).
ARG COMMIT=unknown
ENV PPOB_CONTRACT_COMMIT=${COMMIT}
COPY . .
# The dist profile (Cargo.toml): what the release binaries are built with.
RUN cargo build --profile dist --locked --bin ppob-contract \
 && cp target/dist/ppob-contract /ppob-contract \
 && /ppob-contract --version

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /ppob-contract /usr/local/bin/ppob-contract
USER nonroot:nonroot
WORKDIR /work
ENTRYPOINT ["/usr/local/bin/ppob-contract"]
CMD ["--help"]
