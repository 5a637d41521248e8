# The local Spark base (docker/base/build-local-base): Spark 4.2.0 jars from Maven Central on a
# Debian 12 root file system with Debian's OpenJDK 17, laid out where the SparkPlug HTTP image
# (docker/Dockerfile) relies on apache/spark:4.2.0-scala2.13-java17-ubuntu: SPARK_HOME=/opt/spark
# with bin/spark-class and bin/spark-submit, JAVA_HOME=/opt/java/openjdk, user spark (uid 185).
ARG ROOTFS
FROM ${ROOTFS}
COPY spark-home/ /opt/spark/
COPY bin/ /opt/spark/bin/
COPY entrypoint.sh /opt/entrypoint.sh
ENV JAVA_HOME=/opt/java/openjdk \
    SPARK_HOME=/opt/spark \
    SPARK_SCALA_VERSION=2.13 \
    PATH=/opt/spark/bin:/opt/java/openjdk/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
WORKDIR /opt/spark/work-dir
USER spark
ENTRYPOINT ["/opt/entrypoint.sh"]
