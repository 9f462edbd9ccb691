# moat as a container image: a static binary on an empty base, run as a non-root user.
#   docker build -t moat . && docker run --rm -v "$PWD:/src:ro" -w /src moat check .
# The toolchain is the MSRV (Cargo.toml's rust-version) on a fixed Alpine release.
FROM rust:1.89-alpine3.22 AS build
WORKDIR /build
COPY . .
RUN cargo build --release --locked --target x86_64-unknown-linux-musl \
 && cp target/x86_64-unknown-linux-musl/release/moat /moat

FROM scratch
COPY --from=build /moat /moat
USER 65532:65532
ENTRYPOINT ["/moat"]
