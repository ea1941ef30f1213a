@section-5
Feature: Checking a consumer group's offsets and lag
  Lab section 5 describes the consumer group my_group with kafka-consumer-groups.sh. For every
  partition it shows the group's committed position (CURRENT-OFFSET), the end of the partition's
  log (LOG-END-OFFSET) and their difference (LAG), and which consumer owns the partition while
  the group has members.

  The checks compare what the student's command prints with what the harness reads from Kafka
  itself. The table is read by its column names, not by position.

  Background:
    Given Kafka is started in KRaft mode with one broker
    And the student's answers.yaml
    And a topic my_first_topic with 10 partitions

  @points:1
  Scenario: describe_group shows the offsets of a group whose consumers have stopped
    Given the consumer group my_group has read 10 messages of my_first_topic and its consumers have stopped
    When the student's describe_group command runs
    Then its output says that my_group has no active members
    And it shows, for each of the 10 partitions, the offsets and LAG that Kafka has for my_group

  @points:1
  Scenario: describe_group shows which consumer owns each partition
    Given two consumers of my_group are running
    When the student's describe_group command runs
    Then it shows 2 consumers, each the owner of 5 of the 10 partitions, as Kafka assigned them

  @points:1
  Scenario: the LAG counts the messages sent after the consumers stopped
    Given the consumer group my_group has read 10 messages of my_first_topic and its consumers have stopped
    And 7 more messages were sent to my_first_topic
    When the student's describe_group command runs
    Then its output says that my_group has no active members
    And it shows a total LAG of 7 for my_first_topic
    And it shows, for each of the 10 partitions, the offsets and LAG that Kafka has for my_group
