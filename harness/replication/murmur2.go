package replication

import "fmt"

// murmur2 is Kafka's murmur2 hash (org.apache.kafka.common.utils.Utils.murmur2), the hash of
// the producer's default partitioner for a message with a key.
func murmur2(data []byte) int32 {
	const (
		seed uint32 = 0x9747b28c
		m    uint32 = 0x5bd1e995
		r           = 24
	)
	n := len(data)
	h := seed ^ uint32(n)
	for i := 0; i+4 <= n; i += 4 {
		k := uint32(data[i]) | uint32(data[i+1])<<8 | uint32(data[i+2])<<16 | uint32(data[i+3])<<24
		k *= m
		k ^= k >> r
		k *= m
		h *= m
		h ^= k
	}
	tail := n &^ 3
	switch n % 4 {
	case 3:
		h ^= uint32(data[tail+2]) << 16
		fallthrough
	case 2:
		h ^= uint32(data[tail+1]) << 8
		fallthrough
	case 1:
		h ^= uint32(data[tail])
		h *= m
	}
	h ^= h >> 13
	h *= m
	h ^= h >> 15
	return int32(h)
}

// PartitionOf is the partition Kafka's default partitioner gives a message with key, of a topic
// with partitions partitions: toPositive(murmur2(key)) % partitions (BuiltInPartitioner).
func PartitionOf(key string, partitions int) int {
	return int(uint32(murmur2([]byte(key)))&0x7fffffff) % partitions
}

// KeyFor returns a key that the default partitioner sends to partition of a topic with
// partitions partitions: prefix followed by the first number that does.
func KeyFor(prefix string, partition, partitions int) string {
	for i := 0; ; i++ {
		k := fmt.Sprintf("%s%d", prefix, i)
		if PartitionOf(k, partitions) == partition {
			return k
		}
	}
}
