# discordsend-bot in a container: the static binary on a minimal base.
#
#   docker build --build-arg VERSION="$(git describe --tags --always --dirty)" -t discordsend-bot .
#   docker run -e DISCORDBOT_DISCORD_TOKEN=… -e DISCORDBOT_COMFYUI_URL=http://gpu-host:8188 \
#     -v discordsend-data:/data -p 127.0.0.1:9750:9750 discordsend-bot
#
# /data is the working directory and a volume: the SQLite database, and
# config.yaml, .env and workflows/ when you put them there. deploy/compose.yaml
# runs it beside ComfyUI. The golang tag is go.mod's go line (scripts/dockerlint
# checks that they agree).

FROM golang:1.26.8-bookworm AS build
WORKDIR /src
# The modules first, in a layer of their own, so that a change to the code
# does not download them again.
COPY go.mod go.sum ./
RUN go mod download
COPY cmd ./cmd
COPY internal ./internal
# VERSION is what `discordsend-bot version` prints; the build context has no
# .git to find it in. Empty: "(devel)".
ARG VERSION=
RUN CGO_ENABLED=0 go build -trimpath \
      -ldflags "-s -w -X github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/app.stampedVersion=${VERSION}" \
      -o /out/discordsend-bot ./cmd/discordsend-bot \
 && mkdir /out/data

# distroless/static rather than scratch: it has what the bot needs and scratch
# lacks (CA certificates for Discord's HTTPS, /etc/passwd with the nonroot
# user 65532, /tmp) and nothing more: no shell, no package manager, no libc.
# Neither has ffmpeg, so here an oversized video or audio result is not
# re-encoded to fit Discord's limit; it is named in the result instead.
FROM gcr.io/distroless/static-debian12:nonroot
ARG VERSION=
LABEL org.opencontainers.image.title="discordsend-bot" \
      org.opencontainers.image.description="Discord bot that runs ComfyUI generations" \
      org.opencontainers.image.source="https://github.com/AEmotionStudio/ComfyUI-DiscordSend" \
      org.opencontainers.image.licenses="GPL-3.0" \
      org.opencontainers.image.version="${VERSION}"
COPY --from=build /out/discordsend-bot /usr/local/bin/discordsend-bot
COPY --from=build --chown=65532:65532 /out/data /data
ENV DISCORDBOT_DATABASE_URL=sqlite:/data/discordsend.db \
    DISCORDBOT_HTTP_LISTEN=0.0.0.0:9750
WORKDIR /data
VOLUME /data
USER 65532:65532
# /healthz and /metrics; publish it on loopback only, it has no authentication.
EXPOSE 9750
# SIGTERM (docker stop) shuts the bot down in order within 10 s; give it
# more than that before the kill (docker stop -t 15, compose stop_grace_period).
ENTRYPOINT ["/usr/local/bin/discordsend-bot"]
CMD ["run"]
