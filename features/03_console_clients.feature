@section-3
Feature: Sending and receiving messages with the console producer and consumers
  Lab section 3 sends lines with kafka-console-producer.sh and reads them with
  kafka-console-consumer.sh. A consumer reads only the messages sent after it started, unless it
  is started with --from-beginning; two consumers running side by side each receive every new
  message.

  A consumer counts as running once it prints what is sent to it: the harness sends a short
  readiness message to each partition until the consumer has printed one from every partition,
  and leaves those messages out of the checks. The messages of a scenario are sent to one
  partition, one after the other, as the console producer does with lines typed in one session
  since Kafka 3.3 (KIP-794), so their order is defined.

  Background:
    Given Kafka is started in KRaft mode with one broker
    And the student's answers.yaml
    And a topic my_first_topic with 10 partitions

  @points:1
  Scenario: console_producer sends each line as a separate message
    When the student's console_producer sends the lines:
      | This is my first message  |
      | This is my second message |
    Then my_first_topic holds exactly those 2 messages, one per line, in the order they were typed

  @points:1
  Scenario: console_consumer shows only the messages sent after it started
    Given these messages were sent to my_first_topic:
      | This is my first message  |
      | This is my second message |
    When the student's console_consumer is running
    And these messages are sent to my_first_topic:
      | This is my third message  |
      | This is my fourth message |
    Then the consumer shows the new messages, in order
    But it does not show the messages sent before it started

  @points:1
  Scenario: console_consumer_from_beginning shows every message, in order
    Given these messages were sent to my_first_topic:
      | This is my first message  |
      | This is my second message |
    When the student's console_consumer_from_beginning is running
    Then the consumer shows the messages sent before it started, in order

  @points:1
  Scenario: two console consumers running side by side both receive every new message
    Given two of the student's console_consumer are running
    When these messages are sent to my_first_topic:
      | This is my third message  |
      | This is my fourth message |
    Then each of the 2 consumers shows the new messages, in order
