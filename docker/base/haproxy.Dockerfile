# The local HAProxy base (docker/base/build-local-base): Debian 12's HAProxy 2.6 on the same root
# file system, where docker/compose.yaml relies on the official haproxy image: `haproxy` on the
# PATH, its configuration mounted at /usr/local/etc/haproxy/haproxy.cfg, user haproxy.
ARG ROOTFS
FROM ${ROOTFS}
WORKDIR /var/lib/haproxy
USER haproxy
STOPSIGNAL SIGUSR1
CMD ["haproxy", "-f", "/usr/local/etc/haproxy/haproxy.cfg"]
