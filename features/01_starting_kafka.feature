@section-1
Feature: Starting Kafka
  Lab section 1 starts Kafka and leaves it answering on localhost:9092, the address that
  every later command of the lab passes as --bootstrap-server.

  The lab's Kafka 3.1 starts ZooKeeper first and then a broker. Since 3.3 Kafka can also run
  without ZooKeeper, in KRaft mode, where the controller is a Kafka process too; its storage is
  formatted once before the first start (kafka-storage.sh format). 4.0 removed ZooKeeper mode
  (KIP-833). The lab's later sections run against a KRaft broker that the harness starts.

  The student's start commands run as typed, each in a terminal of its own, on one machine
  laid out as the lab's Kafka folder: the terminals share localhost and /tmp, where the lab's
  configuration files keep ZooKeeper's and Kafka's data. start_zookeeper is the ZooKeeper start
  (3.x only); start_kafka is the broker's start, after the storage format in KRaft mode:

    start_zookeeper: ./bin/zookeeper-server-start.sh config/zookeeper.properties
    start_kafka: ./bin/kafka-server-start.sh config/server.properties

  or, in KRaft mode (config/kraft/server.properties on 3.x, config/server.properties on 4.x):

    start_kafka:
      - ./bin/kafka-storage.sh format -t <a cluster id> -c config/kraft/server.properties
      - ./bin/kafka-server-start.sh config/kraft/server.properties

  The scenarios tagged @kafka-only check Kafka itself, not the submission: they are the same for
  every student, so a grading leaves them out; `make spec TAGS=@kafka-only` runs them, and
  `grade batch` runs them once per class.

  @points:2
  Scenario: start_zookeeper and start_kafka start Kafka, and it answers on localhost:9092
    Given the student's answers.yaml
    When the student's start commands run, each in a terminal of its own
    And a client asks localhost:9092 for the brokers of the cluster
    Then it is answered by 1 broker at localhost:9092

  # The harness's own Kafka, which sections 2-7 run against: checks of Kafka itself, worth no
  # points, that every submission passes.
  @kafka-only
  Scenario: Kafka in KRaft mode answers on localhost:9092
    Given Kafka is started in KRaft mode with one broker
    When a client asks localhost:9092 for the brokers of the cluster
    Then it is answered by 1 broker at localhost:9092
    And the KRaft controller quorum has elected a leader

  # The lab's two terminals, started by the harness. Skipped, with the reason, on Kafka 4.x.
  @kafka-only @zookeeper
  Scenario: Kafka started with ZooKeeper, as the lab does
    Given Kafka is started with ZooKeeper, as the lab does
    When a client asks localhost:9092 for the brokers of the cluster
    Then it is answered by 1 broker at localhost:9092
    And broker 0 is the cluster's controller
