@section-1 @points:1
Feature: Starting Kafka
  Lab section 1 starts Kafka and leaves it answering on localhost:9092, the address that
  every later command of the lab passes as --bootstrap-server.

  The lab's Kafka 3.1 starts ZooKeeper first and then a broker. Since 3.3 Kafka can also run
  without ZooKeeper, in KRaft mode, where the controller is a Kafka process too; 4.0 removed
  ZooKeeper mode (KIP-833). The lab's later sections run against a KRaft broker.

  Scenario: Kafka in KRaft mode answers on localhost:9092
    Given Kafka is started in KRaft mode with one broker
    When a client asks localhost:9092 for the brokers of the cluster
    Then it is answered by 1 broker at localhost:9092
    And the KRaft controller quorum has elected a leader

  # The lab's two terminals:
  #   ./bin/zookeeper-server-start.sh config/zookeeper.properties
  #   ./bin/kafka-server-start.sh config/server.properties
  # Skipped, with the reason, on Kafka 4.x.
  @zookeeper
  Scenario: Kafka started with ZooKeeper, as the lab does
    Given Kafka is started with ZooKeeper, as the lab does
    When a client asks localhost:9092 for the brokers of the cluster
    Then it is answered by 1 broker at localhost:9092
    And broker 0 is the cluster's controller
