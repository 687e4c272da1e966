# The hub as a slim image: `hub serve` with the config and the SQLite file on a volume.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml setup.py README.md ./
COPY hub ./hub
COPY connectors ./connectors
COPY migrations ./migrations
COPY mappings ./mappings
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim
RUN useradd --create-home --uid 10001 hub \
 && mkdir -p /data && chown hub /data
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
# Checks that /data is writable (a host folder often isn't, for uid 10001) and says the fix.
COPY docker/entrypoint.sh /usr/local/bin/hub-entrypoint
USER hub
WORKDIR /data
VOLUME ["/data"]
ENV HUB_CONFIG=/data/config.yaml
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=4)" || exit 1
ENTRYPOINT ["sh", "/usr/local/bin/hub-entrypoint"]
CMD ["serve", "--host", "0.0.0.0"]
