// Command cluster starts and stops a Kafka cluster for doing the lab by hand: the same image
// and topologies the spec runs, with the lab's addresses on the host (localhost:9092; 9092-9094
// for ha), left running until `cluster down`. It is `kafka-lab cluster` under its older name;
// the work is harness/labcluster's.
//
//	go run ./cmd/cluster up [single|ha]   (make cluster [TOPOLOGY=ha])
//	go run ./cmd/cluster down             (make down)
package main

import (
	"os"

	"github.com/kafka-lab/kafka-lab/internal/cli"
)

func main() {
	os.Exit(cli.Cluster("cluster", "make down", os.Args[1:]))
}
