# The local Hadoop base (docker/base/build-local-base): the HDFS daemons' jars from Maven Central
# (the version of Spark's Hadoop client) on the same Debian 12 root file system, laid out where
# docker/compose.yaml relies on apache/hadoop: `hdfs` on the PATH, HADOOP_HOME=/opt/hadoop,
# configuration written from CORE-SITE.XML_* / HDFS-SITE.XML_* variables at start, user hadoop.
ARG ROOTFS
FROM ${ROOTFS}
COPY hadoop-home/jars/ /opt/hadoop/jars/
COPY bin/ /opt/hadoop/bin/
COPY --chown=hadoop:hadoop etc/ /opt/hadoop/etc/hadoop/
COPY starter.sh /opt/starter.sh
ENV JAVA_HOME=/opt/java/openjdk \
    HADOOP_HOME=/opt/hadoop \
    HADOOP_CONF_DIR=/opt/hadoop/etc/hadoop \
    PATH=/opt/hadoop/bin:/opt/java/openjdk/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
WORKDIR /opt/hadoop
USER hadoop
ENTRYPOINT ["/usr/bin/tini", "--", "/opt/starter.sh"]
