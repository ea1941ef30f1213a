@section-4
Feature: Sharing a topic's partitions in the consumer group my_group
  Lab section 4 starts two console consumers in the consumer group my_group. Kafka gives each
  partition of my_first_topic to exactly one member of the group, so each message is read by one
  consumer only, and the 10 partitions are split 5 and 5.

  The lab's Kafka 3.1 output shows ten lines typed into the console producer alternating between
  the two consumers. Since Kafka 3.3 (KIP-794) the console producer keeps keyless lines of one
  session on one partition until a batch fills, so all ten would reach the same consumer. The
  split is a property of partitions, not of messages: the harness sends one message to each
  partition, and each consumer must then show the messages of its own 5 partitions.

  The consumers may join my_group with the classic group protocol or, from Kafka 4.0 on, with
  the consumer group protocol (KIP-848, group.protocol=consumer): the group's members and their
  partitions are read from Kafka either way.

  Background:
    Given Kafka is started in KRaft mode with one broker
    And the student's answers.yaml
    And a topic my_first_topic with 10 partitions

  @points:2
  Scenario: two consumers in my_group split the partitions and each message is read once
    When the student's group_consumer is started twice
    Then both consumers are members of the consumer group my_group
    And each of them is assigned 5 of the 10 partitions of my_first_topic
    When 10 messages are sent to my_first_topic, one to each partition
    Then every message is shown by exactly one of the consumers
    And each consumer shows the messages of its own 5 partitions
