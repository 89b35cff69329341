# syntax=docker/dockerfile:1
# The action's image: one static binary, installed under the two names the
# runner starts it by (action.yml's entrypoint and post-entrypoint), on an
# empty base. No USER line: container actions must run as root.

# Builder, pinned by digest; Dependabot keeps the digest current.
FROM golang:1.26.4-alpine@sha256:3ad57304ad93bbec8548a0437ad9e06a455660655d9af011d58b993f6f615648 AS build
WORKDIR /src
ENV CGO_ENABLED=0
# No separate `go mod download`: go.mod also lists modules the binary does
# not link (the tests' kin-openapi and BuildKit's parser; actionlint and
# gqlparser, which only the demo's runner emulation and fake GitHub use),
# and `go build` fetches only what it links, which keeps a cold build
# (every job of a `uses: ./` workflow) short. -tags release leaves the demo
# out, as the release's binaries do: run it with `go run . demo`.
COPY . .
ARG VERSION=dev
# The flags are internal/release's BuildFlags (dockerfile_test.go checks).
RUN go build -tags release,nethttpomithttp2 -trimpath -buildvcs=false \
      "-gcflags=all=-l" "-gcflags=runtime/...=" "-gcflags=crypto/...=" "-gcflags=vendor/golang.org/x/crypto/...=" \
      -ldflags="-s -w -X github.com/deploy-lifecycle/deployment-action/internal/app.Version=${VERSION}" \
      -o /out/deployment-action . \
 && ln -s deployment-action /out/deployment-action-post \
 && mkdir -m 1777 /out-tmp

# Final image: CA certificates, the binary, an empty /tmp (Go's os.TempDir
# needs one), nothing else.
FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /out/ /usr/local/bin/
COPY --from=build /out-tmp/ /tmp/
ENTRYPOINT ["/usr/local/bin/deployment-action"]
