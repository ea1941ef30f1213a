@section-6
Feature: A data pipeline in Python: transactions and balances
  Lab section 6 creates the topics transactions and balance, 10 partitions each, and writes two
  programs with kafka-python. Each partition is a bank account. transaction_generator.py sends a
  random integer from -10 to 10 to every partition of transactions once a second;
  balance_calculator.py reads transactions and sends each account's current balance to the same
  partition of balance.

  The programs run as written, with python3 and the two Kafka clients the Kafka image ships
  (kafka-python 3.0.12, import kafka; confluent-kafka 2.16.2, import confluent_kafka; no other
  module), each in a sandbox next to a fresh broker at localhost:9092: nothing a program leaves
  in Kafka (topics, consumer groups and their members, transactions) reaches the next scenario. A
  calculator counts as running once it has sent a balance for every account: until then the
  harness sends transactions worth 0 to the accounts that have no balance yet, so no running sum
  depends on when the calculator started. It may read transactions in a consumer group or not,
  from the earliest offset or only new ones.

  A message of either topic is an integer written as text, read as Python's int(msg.value)
  reads it: b'%d' % n writes one, and "+5" or "5\n" is the same 5.

  Balances are checked once the calculator has settled: it has a balance for every transaction,
  or it has sent nothing new for 3 seconds while no consumer group of it is rebalancing or has
  transactions left to read. The harness waits at most 60 seconds for that.

  Background:
    Given Kafka is started in KRaft mode with one broker

  @points:1
  Scenario: create_pipeline_topics creates transactions and balance with 10 partitions each
    Given the student's answers.yaml
    When the student's create_pipeline_topics commands run
    Then the cluster has a topic transactions with 10 partitions
    And the cluster has a topic balance with 10 partitions

  # "At random": a constant, a cycle through a few values, a count through the range, a fixed
  # pattern per account or one draw shared by every account fails; a fair draw for each
  # transaction fails that check less than once in a billion runs.
  @points:2 @generator
  Scenario: the generator sends an integer from -10 to 10 to every account once a second
    Given the topics transactions and balance with 10 partitions each
    When the student's transaction_generator.py runs for 5 seconds
    Then each partition of transactions got from 3 to 7 messages in those 5 seconds, 0.5 to 2 seconds apart
    And every message of transactions is an integer from -10 to 10, written as text
    And the values of transactions are drawn at random from -10 to 10, for each account

  @points:2 @calculator
  Scenario: the calculator sends each account's running balance to its partition of balance
    Given the topics transactions and balance with 10 partitions each
    And the student's balance_calculator.py is running
    When these transactions are sent:
      | account | transactions |
      | 0       | 5, -3, 10    |
      | 1       | -10, -10, 2  |
      | 2       | 0, 7, -7     |
      | 3       | 1, 1, 1      |
      | 4       | 10, 10, 10   |
      | 5       | -1, 2, -3    |
      | 6       | 9, -9, 9     |
      | 7       | -5, -5, 10   |
      | 8       | 3, 0, 4      |
      | 9       | -2, 8, -6    |
    Then balance holds these balances after them:
      | account | balances     |
      | 0       | 5, 2, 12     |
      | 1       | -10, -20, -18 |
      | 2       | 0, 7, 0      |
      | 3       | 1, 2, 3      |
      | 4       | 10, 20, 30   |
      | 5       | -1, 1, -2    |
      | 6       | 9, 0, 9      |
      | 7       | -5, -10, 0   |
      | 8       | 3, 3, 7      |
      | 9       | -2, 6, 0     |

  @points:2 @generator @calculator
  Scenario: generator and calculator together keep every balance right
    Given the topics transactions and balance with 10 partitions each
    And the student's balance_calculator.py is running
    When the student's transaction_generator.py runs for 5 seconds
    Then for every account, balance holds one message per transaction the calculator read, the k-th being the sum of the first k

  # The lab's optional question: what happens when balance_calculator.py is restarted, and how
  # to make balance hold exactly one message per transaction, the n-th being the balance after
  # n transactions, even when the calculator fails now and then. The lab's own calculator reads
  # only new transactions and starts every account from 0 again, so it fails here, saying where.
  # A killed calculator cannot leave its consumer group: the harness removes it at once, as
  # Kafka does when the member's session times out, so a restart does not wait 45 s for it.
  @optional @exactly-once @points:3
  Scenario: a calculator that crashes keeps exactly one right balance per transaction
    Given the topics transactions and balance with 10 partitions each
    And the student's balance_calculator.py is running
    And transactions keep flowing to every account
    When the calculator is killed with SIGKILL and restarted 3 times, at random moments
    And the transactions stop
    Then balance holds exactly one message per transaction in every account, the n-th being the balance after n transactions
