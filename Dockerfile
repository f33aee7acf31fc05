# syntax=docker/dockerfile:1
# The harness as a static, non-root container image (deploy/kubernetes/README.md).
#   docker build -t harness:dev .
#   docker run --rm harness:dev load --profile /profile/profile.yaml ...
# Everything the binary needs (OpenAPI document, feature files) is embedded.

FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o /out/harness ./cmd/harness

# distroless static: CA certificates, tzdata, /etc/passwd with "nonroot"
# (uid 65532), no shell, no package manager.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/harness /harness
USER nonroot:nonroot
ENTRYPOINT ["/harness"]
