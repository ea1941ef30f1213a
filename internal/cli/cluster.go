package cli

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

const clusterUsage = `usage: %[1]s up [single|ha]   start Kafka for doing the lab by hand, left running
       %[1]s down             remove it

single (the default) is the one broker of sections 1-6, on localhost:9092; ha is section 7's
three brokers (localhost:9092, 9093, 9094) and a controller. The lab's commands and your own
python3 programs reach them as the lab writes them; up prints how. A port already taken by
another program is named, and nothing is started.

Exit status: 0 done, 1 failed (the reason is printed), 2 usage.
`

// Cluster runs `cluster up|down` with down, the command that removes the cluster, named in
// what up prints; it returns the exit status.
func Cluster(name, down string, args []string) int {
	flags := flag.NewFlagSet(name, flag.ContinueOnError)
	flags.Usage = func() { fmt.Fprintf(os.Stderr, clusterUsage, name) }
	if err := flags.Parse(args); err != nil {
		return exitUsage(err)
	}
	// Ctrl-C while the cluster starts cancels the start, which then removes what it started.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	switch {
	case flags.Arg(0) == "up" && flags.NArg() <= 2:
		o := labcluster.Options{Out: os.Stdout, DownCommand: down}
		if flags.NArg() == 2 {
			o.Topology = cluster.Topology(flags.Arg(1))
		}
		_, err := labcluster.Up(ctx, o)
		return exit(name, err)
	case flags.Arg(0) == "down" && flags.NArg() == 1:
		n, err := labcluster.Down(ctx)
		fmt.Printf("removed %d container(s) of the cluster started by hand\n", n)
		return exit(name, err)
	}
	flags.Usage()
	return 2
}
