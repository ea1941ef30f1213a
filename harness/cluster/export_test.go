package cluster

import "github.com/IBM/sarama"

// What the tests of cluster_test reach that the package hands out to no one: the view's sarama
// client and admin, to change a cluster as a student's admin tool (or a raw client) would.

// AdminOf returns the view's cluster admin.
func AdminOf(k *Kafka) (sarama.ClusterAdmin, error) { return k.conn.adminClient(k.c.Topology) }

// ClientOf returns the view's client.
func ClientOf(k *Kafka) sarama.Client { return k.conn.client }

// SaramaConfig is the view's client configuration.
func SaramaConfig() *sarama.Config { return saramaConfig() }
