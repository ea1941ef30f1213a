// Command cluster starts and stops a Kafka cluster for doing the lab by hand: the same image
// and topologies the spec runs, with the lab's addresses on the host (localhost:9092; 9092-9094
// for ha), left running until `cluster down`. The work is harness/labcluster's.
//
//	go run ./cmd/cluster up [single|ha]   (make cluster [TOPOLOGY=ha])
//	go run ./cmd/cluster down             (make down)
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/kafka-lab/kafka-lab/harness/cluster"
	"github.com/kafka-lab/kafka-lab/harness/labcluster"
)

func main() {
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: cluster up [single|ha]   start a cluster for the lab, left running\n       cluster down             remove it")
	}
	flag.Parse()
	// Ctrl-C while the cluster starts cancels the start, which then removes what it started.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	var err error
	switch flag.Arg(0) {
	case "up":
		o := labcluster.Options{Out: os.Stdout}
		if flag.NArg() > 1 {
			o.Topology = cluster.Topology(flag.Arg(1))
		}
		_, err = labcluster.Up(ctx, o)
	case "down":
		var n int
		n, err = labcluster.Down(ctx)
		fmt.Printf("removed %d container(s) of the cluster started by hand\n", n)
	default:
		flag.Usage()
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "cluster: %v\n", err)
		os.Exit(1)
	}
}
