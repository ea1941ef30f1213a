package main

import (
	"context"
	"fmt"
	"os/exec"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/kafka-lab/kafka-lab/harness/cluster"
	"github.com/kafka-lab/kafka-lab/harness/container"
	"github.com/kafka-lab/kafka-lab/spec"
)

// The figures of make bench-java live between these markers of docs/bench.md, apart from make
// bench's: each run rewrites its own.
const (
	beginJavaFigures = "<!-- bench-java figures: written by make bench-java (cmd/bench -compare -doc), do not edit by hand -->"
	endJavaFigures   = "<!-- end of bench-java figures -->"
)

// side is what compareImages measured of one image.
type side struct {
	img                 cluster.Image
	java                string
	size                int64
	ready, brokerCPU    time.Duration
	tool, toolCPU, jver time.Duration
	emptyCPU            time.Duration // the machine's CPU for a client container of `true`
	execCPU             time.Duration // the same `true` by docker exec in a running container
	section             time.Duration // the slowest of sections 2-5 graded alone
	sectionN            int
	batch               batchResult
	whole, wholeCPU     time.Duration
	split               cpuSplit
}

// compareImages measures the lab's image and another (its Java 25 build, say) side by side, in
// one run: the image's size, a single cluster's start and its broker's CPU, one tool run (and
// the machine's CPU it took) against java -version, against a client container that runs
// `true` (a container's own cost) and against `true` by docker exec in a running container (what
// fewer, longer-lived containers would cost a command), the slowest of sections 2-5 graded
// alone (a student's check of one), a batch of six, and a student's whole grading with the
// machine's CPU it took and where that went.
func compareImages(ctx context.Context, rt *container.Runtime, refs []string, reps int) error {
	var sides []side
	for _, ref := range refs {
		img, err := cluster.InspectImage(ctx, rt, ref)
		if err != nil {
			return err
		}
		s, err := measureSide(ctx, rt, img, reps)
		if err != nil {
			return fmt.Errorf("%s: %w", ref, err)
		}
		sides = append(sides, s)
	}
	a, b := sides[0], sides[1]
	dur := func(d time.Duration) string { return d.Round(time.Millisecond).String() }
	secs := func(d time.Duration) string { return d.Round(100 * time.Millisecond).String() }
	rows := [][4]string{
		{"Java", a.java, b.java, ""},
		{"image size", fmt.Sprintf("%d MB", a.size>>20), fmt.Sprintf("%d MB", b.size>>20), ratioInt(b.size, a.size)},
		{"single cluster ready", dur(a.ready), dur(b.ready), ratio(b.ready, a.ready)},
		{"  its broker's CPU until then", dur(a.brokerCPU), dur(b.brokerCPU), ratio(b.brokerCPU, a.brokerCPU)},
		{"one tool run (kafka-topics.sh --list)", dur(a.tool), dur(b.tool), ratio(b.tool, a.tool)},
		{"  the machine's CPU it took", dur(a.toolCPU), dur(b.toolCPU), ratio(b.toolCPU, a.toolCPU)},
		{"  java -version in the same container", dur(a.jver), dur(b.jver), ratio(b.jver, a.jver)},
		{"  one tool run / java -version (budget 1.5)", ratio(a.tool, a.jver), ratio(b.tool, b.jver), ""},
		{"  the machine's CPU for a container of `true`", dur(a.emptyCPU), dur(b.emptyCPU), ratio(b.emptyCPU, a.emptyCPU)},
		{"  the same by docker exec in a running container", dur(a.execCPU), dur(b.execCPU), ratio(b.execCPU, a.execCPU)},
		{fmt.Sprintf("one section graded alone, the slowest of 2-5 (section %d; budget 10s)", a.sectionN), secs(a.section), secs(b.section), ratio(b.section, a.section)},
		{"a student's grading, all sections (exactly-once)", secs(a.whole), secs(b.whole), ratio(b.whole, a.whole)},
		{"  the machine's CPU it took", secs(a.wholeCPU), secs(b.wholeCPU), ratio(b.wholeCPU, a.wholeCPU)},
	}
	rows = append(rows,
		[4]string{fmt.Sprintf("batch of %d, whole gradings, %d workers", a.batch.n, a.batch.workers), secs(a.batch.many), secs(b.batch.many), ratio(b.batch.many, a.batch.many)},
		[4]string{"  submissions per minute (budget 2.5)", perMinute(a.batch), perMinute(b.batch), ""},
		[4]string{"  the cores' time it kept busy", a.batch.busy(), b.batch.busy(), ""})
	if a.split.sampled && b.split.sampled {
		rows = append(rows, [4]string{"  the containers it ran", fmt.Sprintf("%.0f", a.split.containers()), fmt.Sprintf("%.0f", b.split.containers()), ""})
	}
	for _, part := range []struct {
		name string
		get  func(cpuSplit) (time.Duration, float64) // the CPU, and the containers (-1: not containers)
	}{
		{"    the cluster's Kafka (brokers, controllers)", func(c cpuSplit) (time.Duration, float64) { return c.kafka, c.nKafka }},
		{"    the lab's commands (tools; section 1 and 7's own servers)", func(c cpuSplit) (time.Duration, float64) { return c.commands, c.nCommands }},
		{"    the student's programs", func(c cpuSplit) (time.Duration, float64) { return c.programs, c.nPrograms }},
		{"    other containers (network holders, terminals, probes)", func(c cpuSplit) (time.Duration, float64) { return c.otherContainers, c.nOther }},
		{"    the Docker engine (dockerd, containerd)", func(c cpuSplit) (time.Duration, float64) { return c.engine, -1 }},
		{"    the rest (harness, runc and shims, iptables, kernel)", func(c cpuSplit) (time.Duration, float64) { return c.rest(), -1 }},
	} {
		if !a.split.sampled || !b.split.sampled {
			rows = append(rows, [4]string{part.name, "not measured: no container cgroups here", "", ""})
			continue
		}
		cell := func(c cpuSplit) string {
			d, n := part.get(c)
			v := secs(d) + share(d, c.machine)
			if n >= 0 {
				v += fmt.Sprintf(", %.0f containers", n)
			}
			return v
		}
		pa, _ := part.get(a.split)
		pb, _ := part.get(b.split)
		rows = append(rows, [4]string{part.name, cell(a.split), cell(b.split), ratio(pb, pa)})
	}
	fmt.Printf("%-62s %-16s %-16s %s\n", "", a.img.Ref, b.img.Ref, "ratio")
	for _, r := range rows {
		fmt.Printf("%-62s %-16s %-16s %s\n", r[0], r[1], r[2], r[3])
	}
	if doc == "" {
		return nil
	}
	var md strings.Builder
	fmt.Fprintf(&md, "Last run: %s, %d cores, Kafka %s, medians of %d (where the CPU went: the mean).\n\n",
		time.Now().UTC().Format("2006-01-02"), runtime.NumCPU(), a.img.KafkaVersion, reps)
	fmt.Fprintf(&md, "| measure | %s | %s | ratio |\n| --- | --- | --- | --- |\n", a.img.Ref, b.img.Ref)
	for _, r := range rows {
		name := r[0]
		if trimmed := strings.TrimLeft(name, " "); trimmed != name {
			name = strings.Repeat("&emsp;", (len(name)-len(trimmed))/2) + trimmed
		}
		fmt.Fprintf(&md, "| %s | %s | %s | %s |\n", name, r[1], r[2], r[3])
	}
	if err := writeBetween(doc, beginJavaFigures, endJavaFigures, md.String()); err != nil {
		return err
	}
	fmt.Printf("\nthe figures are written to %s\n", doc)
	return nil
}

func measureSide(ctx context.Context, rt *container.Runtime, img cluster.Image, reps int) (side, error) {
	s := side{img: img}
	out, err := exec.CommandContext(ctx, "docker", "image", "inspect", "--format", "{{.Size}}", img.Ref).Output()
	if err != nil {
		return s, fmt.Errorf("docker image inspect: %w", err)
	}
	s.size, _ = strconv.ParseInt(strings.TrimSpace(string(out)), 10, 64)
	var ready, brokerCPU, tool, toolCPU, jver, empty, execs []time.Duration
	for range reps {
		start := time.Now()
		c, err := cluster.Start(ctx, rt, cluster.Single, img, cluster.Options{})
		if err != nil {
			return s, err
		}
		ready = append(ready, time.Since(start))
		st, err := c.Brokers()[0].Container.Stats(ctx)
		if err != nil {
			c.Close(context.WithoutCancel(ctx))
			return s, err
		}
		brokerCPU = append(brokerCPU, st.CPU)
		t, cpu, _, err := toolRun(ctx, c, "bin/kafka-topics.sh", "--bootstrap-server", "localhost:9092", "--list")
		if err != nil {
			c.Close(context.WithoutCancel(ctx))
			return s, err
		}
		tool, toolCPU = append(tool, t), append(toolCPU, cpu)
		t, _, res, err := toolRun(ctx, c, "java", "-version")
		if err == nil && s.java == "" {
			s.java = javaVersion(res)
		}
		jver = append(jver, t)
		if err == nil {
			_, cpu, _, err = toolRun(ctx, c, "true")
			empty = append(empty, cpu)
		}
		if err == nil {
			var cpu time.Duration
			cpu, err = execTrue(ctx, c.Brokers()[0].Container.Name)
			execs = append(execs, cpu)
		}
		if cerr := c.Close(ctx); err == nil {
			err = cerr
		}
		if err != nil {
			return s, err
		}
	}
	s.ready, s.brokerCPU, s.tool, s.toolCPU, s.jver = median(ready), median(brokerCPU), median(tool), median(toolCPU), median(jver)
	s.emptyCPU, s.execCPU = median(empty), median(execs)
	for n := 2; n <= 5; n++ {
		took, _, err := grade(img, spec.DefaultSubmission, fmt.Sprintf("@section-%d", n))
		if err != nil {
			return s, err
		}
		if took > s.section {
			s.section, s.sectionN = took, n
		}
	}
	if s.batch, err = batchThroughput(ctx, img); err != nil {
		return s, err
	}
	s.whole, s.wholeCPU, s.split, err = gradeSampled(img, "testdata/submissions/exactly-once", reps)
	return s, err
}

// execTrue is the machine's CPU for `docker exec NAME true`: what a command would cost in a
// container that is already running, rather than one of its own.
func execTrue(ctx context.Context, name string) (time.Duration, error) {
	cpu0, err := hostCPU()
	if err != nil {
		return 0, err
	}
	if out, err := exec.CommandContext(ctx, "docker", "exec", name, "true").CombinedOutput(); err != nil {
		return 0, fmt.Errorf("docker exec %s true: %w: %s", name, err, out)
	}
	cpu1, err := hostCPU()
	return cpu1 - cpu0, err
}

func perMinute(b batchResult) string {
	return fmt.Sprintf("%.2f", float64(b.n)/b.many.Minutes())
}

// toolRun times one lab command in a client container of the cluster, and the machine's CPU
// meanwhile (the idle broker's few percent included); a command that fails is an error.
func toolRun(ctx context.Context, c *cluster.Cluster, cmd ...string) (took, cpu time.Duration, res container.Result, err error) {
	cpu0, err := hostCPU()
	if err != nil {
		return 0, 0, res, err
	}
	start := time.Now()
	res, err = c.Tools().Run(ctx, cmd...)
	took = time.Since(start)
	if err == nil && res.ExitCode != 0 {
		err = fmt.Errorf("exit %d: %s", res.ExitCode, res.Stderr)
	}
	if err != nil {
		return 0, 0, res, fmt.Errorf("%s: %w", strings.Join(cmd, " "), err)
	}
	cpu1, err := hostCPU()
	return took, cpu1 - cpu0, res, err
}

var javaVersionLine = regexp.MustCompile(`version "([^"]+)"`)

// javaVersion is the image's Java, as the output of java -version says it.
func javaVersion(res container.Result) string {
	if m := javaVersionLine.FindStringSubmatch(res.Stderr + res.Stdout); m != nil {
		return m[1]
	}
	return "?"
}

func share(part, whole time.Duration) string {
	if whole <= 0 {
		return ""
	}
	return fmt.Sprintf(" (%d%%)", (100*part+whole/2)/whole)
}

func ratioInt(a, b int64) string {
	return strconv.FormatFloat(float64(a)/float64(b), 'f', 2, 64) + "x"
}
