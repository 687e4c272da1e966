#!/bin/sh
# The hub image's entrypoint. The image runs as uid 10001; a host folder mounted at /data
# (`docker run -v $PWD/data:/data`) belongs to whoever made it on the host, so SQLite could not
# create hub.db there. Say so, with the fix, before the hub starts; then run `hub "$@"`.
set -eu
data="${HUB_DATA:-/data}"
if [ "${HUB_CONFIG:-}" = "$data/config.yaml" ] && [ ! -e "$HUB_CONFIG" ]; then
    unset HUB_CONFIG  # no config in the volume: the hub says it uses its defaults
fi
case "${1:-}" in
    serve|sync|db|token|demo)
        if [ ! -w "$data" ]; then
            owner="$(stat -c %u:%g "$data" 2>/dev/null || echo unknown)"
            echo "hub: $data is not writable by this container's user (uid $(id -u)); the" \
                 "folder mounted there belongs to $owner. Either give it to the container" \
                 "(on the host: sudo chown -R $(id -u) <folder>), or run the container as" \
                 "its owner (docker run --user $owner ...)" >&2
            exit 2
        fi
        ;;
esac
exec hub "$@"
