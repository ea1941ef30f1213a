// Command cluster starts and stops a Kafka cluster for doing the lab by hand: the same image
// and topologies the spec runs, left running until `cluster down`.
//
//	go run ./cmd/cluster up [single|ha]   (make cluster [TOPOLOGY=ha])
//	go run ./cmd/cluster down             (make down)
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/kafka-lab/kafka-lab/harness/cluster"
	"github.com/kafka-lab/kafka-lab/harness/container"
)

func main() {
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: cluster up [single|ha]   start a cluster for the lab, left running\n       cluster down             remove it")
	}
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var err error
	switch flag.Arg(0) {
	case "up":
		topology := cluster.Single
		if flag.NArg() > 1 {
			topology = cluster.Topology(flag.Arg(1))
		}
		err = up(ctx, topology)
	case "down":
		err = down(ctx)
	default:
		flag.Usage()
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "cluster: %v\n", err)
		os.Exit(1)
	}
}

func up(ctx context.Context, topology cluster.Topology) error {
	rt, err := container.NewKept(ctx)
	if err != nil {
		return err
	}
	if kept, err := rt.Kept(ctx); err != nil {
		return err
	} else if len(kept) > 0 {
		return fmt.Errorf("a cluster started by hand is running already (%s): `make down` removes it", strings.Join(kept, ", "))
	}
	img, err := cluster.InspectImage(ctx, rt, cluster.ImageFromEnv())
	if err != nil {
		return err
	}
	fmt.Printf("starting a %s cluster of Kafka %s (%s)...\n", topology, img.KafkaVersion, img.Ref)
	// Start removes what it started if it fails; on success the containers stay.
	c, err := cluster.Start(ctx, rt, topology, img, cluster.Options{})
	if err != nil {
		return err
	}
	first := c.Brokers()[0]
	fmt.Printf(`
Kafka is up. Open a terminal in the Kafka folder, next to broker %d (its localhost:9092):

  docker run --rm -it --network container:%s -w /opt/kafka %s bash

and type the lab's commands there, as in the lab, e.g.

  bin/kafka-topics.sh --create --topic my_first_topic --partitions 10 --bootstrap-server localhost:9092

`, first.ID, first.NamespaceName(), img.Ref)
	if topology == cluster.HA {
		fmt.Println("Brokers 1, 2 and 3 each answer on localhost:9092 (and 9093, 9094) in their own namespace;")
		fmt.Printf("from any of them, the others are %s. Take a broker down and bring it back with\n\n", c.LabBootstrap())
		for _, b := range c.Brokers() {
			fmt.Printf("  docker stop %-30s  docker start %s\n", b.Container.Name, b.Container.Name)
		}
		fmt.Printf("  docker kill %-30s  (a crash instead of a clean stop)\n\n", c.Brokers()[1].Container.Name)
	}
	fmt.Println("When you are done: make down")
	return nil
}

func down(ctx context.Context) error {
	rt, err := container.New(ctx)
	if err != nil {
		return err
	}
	n, err := rt.RemoveKept(ctx)
	fmt.Printf("removed %d container(s) of the cluster started by hand\n", n)
	return err
}
