# Multi-stage build: a static pbxalarm binary in an image with nothing else,
# running as a non-root user.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o /out/pbxalarm ./cmd/pbxalarm \
 && mkdir -p /out/data

FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/
COPY --from=build /usr/share/zoneinfo /usr/share/zoneinfo
COPY --from=build /out/pbxalarm /pbxalarm
COPY --from=build --chown=65532:65532 /out/data /data
# 65532 is the conventional "nonroot" uid; unprivileged ports only
# (5514 syslog, 6514 syslog TLS, 9162 SNMP, 9464 metrics and health):
# map 514/162 on the host.
USER 65532:65532
EXPOSE 5514/udp 5514/tcp 6514/tcp 9162/udp 9464/tcp
# The image has no HTTP client: the binary asks its own /readyz (on the
# --metrics address, PBXALARM_METRICS included).
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s CMD ["/pbxalarm", "health"]
ENTRYPOINT ["/pbxalarm"]
CMD ["serve", "--data-dir", "/data"]
