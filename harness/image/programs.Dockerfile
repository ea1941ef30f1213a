# The program image: where a student's Python programs (lab section 6) run when the Kafka image
# has no python3 with kafka-python and confluent-kafka, such as the official apache/kafka. It is
# the Kafka image's own Debian base (python3 included) plus the same pinned clients, so a program
# meets the same Python wherever it runs. programs.sh prepared the context (no downloads here).
ARG BASE
FROM ${BASE}
ARG KAFKA_PYTHON_VERSION
ARG CONFLUENT_KAFKA_VERSION
ARG INPUTS_HASH
COPY python/ /usr/lib/python3/dist-packages/
RUN python3 -c 'import confluent_kafka, kafka, sys; from importlib.metadata import version as v; sys.exit(v("kafka-python") != "'"${KAFKA_PYTHON_VERSION}"'" or v("confluent-kafka") != "'"${CONFLUENT_KAFKA_VERSION}"'")'
LABEL org.kafka-lab.kafka-python-version="${KAFKA_PYTHON_VERSION}" \
      org.kafka-lab.confluent-kafka-version="${CONFLUENT_KAFKA_VERSION}" \
      org.kafka-lab.program-inputs="${INPUTS_HASH}"
WORKDIR /submission
CMD ["python3"]
