@section-2
Feature: Creating, listing and describing a topic
  Lab section 2 uses kafka-topics.sh to create the topic my_first_topic with 10 partitions, to
  list the topics of the cluster and to describe my_first_topic. Each scenario runs one command
  of the student's answers.yaml, as typed, against a fresh cluster, and checks what Kafka itself
  holds as well as what the command prints.

  Background:
    Given Kafka is started in KRaft mode with one broker
    And the student's answers.yaml

  @points:2
  Scenario: create_topic creates my_first_topic with 10 partitions
    When the student's create_topic command runs
    Then the cluster has a topic my_first_topic with 10 partitions

  @points:1
  Scenario: list_topics lists the topics of the cluster
    Given a topic my_first_topic with 10 partitions
    And a topic other_topic with 1 partition
    When the student's list_topics command runs
    Then its output lists the topics my_first_topic and other_topic, one per line

  @points:1
  Scenario: describe_topic describes my_first_topic and each of its partitions
    Given a topic my_first_topic with 10 partitions
    When the student's describe_topic command runs
    Then its output describes my_first_topic with PartitionCount 10 and ReplicationFactor 1
    And it shows one line for each of the 10 partitions, each with its leader
